# sre's rule since 3.7 (issue #76, test_re's test_zerowidth): after an empty match the next match may start at the same place if it is not empty; the engines moved a character on. Also 3.11's \B, which matches nothing in an empty text (test_string_boundaries), and re.compile(p) returning p (test_compile).
import re
pats = [r'\b', r'\b|:+', r'(\b|:+)', r'\b|\w+', r'(?<!\w)(?=\w)|:+', r'(?<=\w)(?!\w)|:+', r'x*', r'x*?', r'|a',
        r'a|', r'(?:)|ab', r'a??', r'a*?b|', r'(a)|b??', r'\B', r'\B|\w', r'^|a', r'$|a', r'(?=a)|a', r'x??|\w{2}',
        r'[:,]*?', r'(?:a|)+?', r'é|', r'|é', r'\s*?|\S+']
texts = ['a::bc', '', 'a', 'ab ab', 'xaxx', 'aéé b', ' ', '::', 'a\nb\n']
for p in pats:
    for t in texts:
        print(repr(p), repr(t), re.findall(p, t), re.split(p, t), re.sub(p, '-', t), re.subn(p, '<\\g<0>>', t, count=3))
        print('  ', [m.span() for m in re.finditer(p, t)], re.split(p, t, maxsplit=2))
for p in [r'\b|:+', r'x*?', r'a??']:
    sc = re.compile(p).scanner('a::bc')
    print(p, [m and m.span() for m in [sc.search(), sc.search(), sc.match(), sc.match(), sc.search(), sc.search()]])
print([m.span() for m in re.compile(r'\b|:+').finditer('a::bc', 1, 4)])
print(re.compile(r'|a').findall('aaa', 1), re.compile(r'a|').sub('-', 'baab', 2))
# \B in an empty text, and over pos/endpos
for p in [r'\B', r'\b', r'\B|x*', r'(?:\B)?', r'a\B|', r'\B$']:
    print(repr(p), re.search(p, ''), re.findall(p, ''), re.fullmatch(p, ''), re.match(p, ''), re.split(p, ''), re.sub(p, '-', ''))
    print('  ', re.compile(p).search('ab', 1, 1), re.compile(p).search('ab', 0, 0), re.findall(p, ' '), re.findall(p, 'ab'))
print(re.search(r'(?a)\B', ''), re.search(r'\B', '', re.A), re.search(r'\B', '', re.I | re.M))
p = re.compile('random pattern')
print(re.compile(p) is p, re.compile(re.compile('x', re.I)).flags == re.compile('x', re.I).flags)
try:
    re.compile(p, re.I)
except ValueError as e:
    print('ValueError', e)
