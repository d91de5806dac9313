# \w is str.isalnum() or '_' (the engines' own holds combining marks and connector
# punctuation, and not '²'), sre's octal escapes (\0, \101; \1 is a group), and more of
# sre's syntax checked against the engines (issue #59's regex survey).
import re
print(re.findall(r'\w+', 'e\u0301t\u00e9 x\u00b2 a\u203fb \u2167 \u0663'))
print(re.sub(r'(?P<w>\w+)', r'<\g<w>|\g<0>|\1>', 'ab cd'), re.sub(r'a', r'\n\t\\', 'xa'))
print(re.split(r'(,)', 'a,b,c', maxsplit=1), re.split(r'(?:,)|(;)', 'a,b;c'))
print(re.findall(r'(a)|b', 'ab'), re.findall(r'(a)(b)?', 'a ab'), re.escape('a.b*c d-e'))
print(re.findall(r'a{2,3}?', 'aaaa'), re.findall(r'\x41\u0042\U00000043\N{LATIN SMALL LETTER D}\0101', 'ABCD\x081A'))
print(re.findall(r'(?>a+)b', 'aab'), re.findall(r'a++b', 'aab'), re.findall(r'(?i)[a-z]+', 'ABC\u212a'))
print(re.findall(r'^', 'a\n', re.M), re.findall(r'.+', 'a\r\nb\u2028c\x85d'))
print(re.findall(r'\S+', 'a\u200bb\ufeffc'), re.findall(r'[^a]', '\u00e9'), re.findall(r'(?u)\w', 'é'))
