# re.ASCII (and a leading (?a)): \w, \d, \s and \b over ASCII only, as sre has them; the
# engines' classes are Unicode, and they refused (?a) (issue #59's regex survey).
import re
print(re.findall(r'\w+', 'héllo wörld', re.A), re.findall(r'\d', '٣4', re.ASCII))
print(re.findall(r'\bé', 'x é'), re.findall(r'\s', '\x85 \xa0', re.A), re.findall(r'[\w]+', 'né', re.A))
print(re.split(r'\b', 'a b'), re.findall(r'\B', 'ab'), re.sub(r'x*', '-', 'abxd'))
print(re.findall(r'^', 'a\nb\n', re.M), re.findall(r'$', 'a\nb\n', re.M), re.findall(r'\A|\Z', 'ab'))
print(re.findall(r'.', 'a\nb'), re.findall(r'.', 'a\rb'), re.findall(r'(?s).', 'a\nb'))
print(re.findall(r'(?a)\w+', 'héllo'), re.findall(r'(?ai)K\w', 'kÉ ka'), re.findall(r'[\b]', 'a\x08b', re.A))
print(re.findall(r'\b\w+\b', 'né été', re.A), re.findall(r'\B\w', 'né', re.A), re.split(r'\W+', 'a-é_b', flags=re.A))
print(re.findall(r'\w+(?<=o)', 'héllo', re.A), re.findall(r'\bl(?=o)', 'él lo', re.A), re.findall(r'[^\W\d]+', 'a1é2b', re.A))
print(re.findall(r'[\S]+', 'a\x85b c', re.A), re.findall(r'[\D]+', '1٣2', re.A), re.fullmatch(r'\d+', '٣', re.A))
