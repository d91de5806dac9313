# `$` without MULTILINE matches at the end and before a final newline, and a
# pattern that ends in a lookahead runs on the linear engine as a trailing
# group cut off its match (issue #59): both agree with CPython, including
# the search that starts after a match, groups, pos/endpos and sub/split.
import re

print(re.findall(r'a$', 'a\n'), re.findall(r'a$', 'a\n\n'), re.findall(r'a$', 'ba'))
print(re.search(r'\d+$', 'x 12\n').span(), re.search(r'\d+$', 'x 12\ny'))
print(re.findall(r'^\w+$', 'one\n'), re.findall(r'^\w+$', 'one\ntwo\n', re.M))
print(re.sub(r'$', '!', 'ab\n'), re.sub(r'$', '!', 'ab'), re.split(r'$', 'ab\n'))
print(re.findall(r'x$|y', 'yx\n'), re.findall(r'(?:a|b)$', 'ab\n'))
print(re.match(r'.*$', 'abc\n').group(), re.fullmatch(r'abc$', 'abc\n'))
print(re.findall(r'[$]', 'a$\n'), re.findall(r'\$', '$\n'), re.findall(r'a\Z', 'a\n'))
p = re.compile(r'\w$')
print(p.search('ab\ncd\n').span(), p.search('ab\ncd\n', 0, 3), p.findall('ab\ncd\n', 0, 6))

text = 'Question: what?\nType: DESC\nQuestion: who?\nType: HUM\nQuestion: x\nType: ENTY\n'
print(re.findall(r'Type:\s*(.+?)(?=\nQuestion:|$)', text, re.DOTALL))
print(re.findall(r'Type:\s*(.+?)(?=\nQuestion:|$)', text.rstrip('\n'), re.DOTALL))
print(re.findall(r'Type:\s*(.+?)(?=\n|$)', text))
print([m.span() for m in re.finditer(r'(\w+)(?=,)', 'ab,cd,,e')])
print(re.findall(r'x(?=)', 'xx'), re.findall(r'(?=a)', 'aba'), re.findall(r'a(?=a)', 'aaaa'))
print(re.sub(r'(\w)(?=\w)', r'\1-', 'abcd'), re.split(r',(?= )', 'a, b,c, d'))
print(re.search(r'(?P<w>\w+)(?=:)', 'key: v').groupdict(), re.search(r'a(?=b)', 'ac ab').span())
print(re.match(r'a(?=b)', 'ab').span(), re.fullmatch(r'a(?=b)', 'ab'), re.fullmatch(r'a(?=$)', 'a'))
print(re.findall(r'\d+(?= apples| pears)', '3 apples, 4 pears, 5 plums'))
print(re.findall(r'a|b(?=c)', 'abcbd'), re.search(r'(a)(?=(b))', 'ab').groups())
print(re.findall(r'\w+(?=$)', 'one two\n'), re.findall(r'\w+(?=\n$)', 'one two\n'))
m = re.compile(r'\w+(?=;)').search('aa; bb;', 3)
print(m.group(), m.span(), m.lastindex, m.re.groups)
print(re.findall(r'$', 'ab\n'), re.findall(r'\w+$', 'a b\n'), re.findall(r'x|\w$', 'ax\nb\n'))
print(re.sub(r'\s*$', '.', 'end  \n'), re.findall(r'(\d)(\d)$', '12\n'), re.search(r'(?:a|b)$', 'ab\n\n'))
print(re.fullmatch(r'\d+$', '12\n'), re.match(r'\d+$', '12\n').span(), re.findall(r'\d+\$', '1$\n'))
print(re.findall(r'a$|b$', 'ab\n'), re.findall(r'(?m)\w$', 'a\nb\n'), re.findall(r'(?s:.)$', 'ab\n'))
