# 3.11's possessive quantifiers and atomic groups (issue #76): the linear engine read a++ as (a+)+ and a?+ as (a?)+ (a++a matched 'aaaa'); a pattern with one runs on the backtracking engine, which has them, within its step limit.
import re
cases = [(r'(?>a+)b', 'aaab'), (r'(?>a+)a', 'aaaa'), (r'a++a', 'aaaa'), (r'a*+b', 'aaab'), (r'a?+a', 'a'),
         (r'a{1,3}+a', 'aaaa'), (r'a{2}+a', 'aaa'), (r'a{,2}+a', 'aaa'), (r'a{2,}+a', 'aaaa'), (r'(?>ab|a)c', 'ac'),
         (r'(?>ab|a)c', 'abc'), (r'x(?>\d+)y', 'x123y'), (r'"(?>[^"]*)"', 'say "hi" now'), (r'(?:ab)++c', 'ababc'),
         (r'\w++\s', 'foo bar'), (r'(\d)++', 'a123'), (r'(?>(\w)+)', 'abc'), (r'[a+]++', 'a+a+'), (r'\+++', '+++'),
         (r'a+?b', 'aab'), (r'(?i)A++a', 'aaaa'), (r'(?x) a ++ b', 'aab'), (r'^(?>\s*)$', '   '), (r'.*+x', 'abcx'),
         (r'(?s).*+', 'a\nb'), (r'(a+)++b', 'aaac'), (r'(?>a|b)+c', 'ababc'), (r'(?:a|ab)++c', 'abc')]
for pat, s in cases:
    try:
        m = re.search(pat, s)
        print(repr(pat), repr(s), m and (m.group(), m.span(), m.groups()))
        print('  ', re.findall(pat, s), re.sub(pat, '<>', s), bool(re.fullmatch(pat, s)), re.split(pat, s))
    except re.error as e:
        print(repr(pat), 'error', e)
s = 'a' * 200 + 'c'
print(re.search(r'(?>a+)+b', s), re.search(r'(a+)++b', s), re.search(r'(?:a|aa)++b', s))
