# Groups of flat patterns (literals, repeated classes, groups, alternatives,
# anchors) are resolved by a walk over the match the engine found (issue
# #59, `modules/re/flat.rs`): preference order, groups that do not take
# part, empty matches, lookaheads at the end, DOTALL, non-ASCII text, and a
# walk past its step cap (the engine's own groups then).
import re

text = 'Intro.\n\nQuestion: why ?\nType:\n\nQuestion: who é ?\nType: Human  being\nQuestion: x\nType: ENTY\n'
print(re.findall(r'Type:\s*(.+?)(?=\nQuestion:|$)', text, re.DOTALL))
print(re.findall(r'Type:\s*(.+?)(?=\nQuestion:|$)', text + '\n', re.DOTALL))
print(re.findall(r'Type:\s*(.+?)(?=\nQuestion:|$)', text.rstrip('\n'), re.DOTALL))
print(re.findall(r'Type:\s*(.+?)(?=\nQuestion:|$)', text))
print([m.span(1) for m in re.finditer(r'Type:\s*(.*?)(?=\n|$)', text)])
print(re.findall(r'(?s)Type:(\s*)(.+?)(\nQuestion:|\Z)', text))

ctx = 'needle 12 x needle ٣٤ needle 7needle 0099 needle\nneedle 5'
print([(m.group(1), int(m.group(1)), m.span(1)) for m in re.finditer(r'needle (\d+)', ctx)])
print(re.findall(r'needle\s(\d+)', ctx), re.findall(r'(needle) (\d*)', ctx))

print(re.search(r'a(.*)b', 'axbxb').groups(), re.search(r'a(.*?)b', 'axbxb').groups())
print(re.match(r'(a|ab)(c|bcd)(d*)', 'abcd').groups())
print(re.findall(r'(a)|(b)', 'abc'), [m.groups() for m in re.finditer(r'(a)|(b)', 'ab')])
print([(m.lastindex, m.lastgroup) for m in re.finditer(r'(?P<x>a)|(?P<y>b)', 'ba')])
print(re.search(r'((a)(b))(c)?', 'abd').groups(), re.search(r'x((a)|(b))+?', 'xab').groups())
print(re.findall(r'(\d*)', 'a12b'), re.findall(r'(a?)', 'baa'), re.findall(r'(aa)', 'aaaaa'))
print(re.findall(r'(?i)type:\s*(\w+)', 'TYPE: Été tYpE:x'), re.findall(r'(?m)^(\w+)$', 'ab\ncd\n\nef'))
print(re.compile(r'\A(\w)').search('ab', 1), re.compile(r'(\w)\Z').findall('ab\n'))
print(re.findall(r'(\w)$', 'ab\ncd\n'), re.findall(r'(?m)(\w)$', 'ab\ncd\n'))
print(re.search(r'(\d{2,3}?)(\d*)', 'x12345').groups(), re.search(r'(\d{2,3})(\d+)', '12345').groups())
print(re.findall(r'(.)(.)', 'é字😀ab'), re.search(r'x(.+?)y', 'xééyy').group(1))
print(re.findall(r'(\s+)', 'a\x1c\x1f b\u2003c'), re.findall(r'([^\W\d]+)(\d?)', 'ab1 çé2 _3'))
print(re.findall(r'(ab)+', 'ababab ab'), re.findall(r'(a|b)*c', 'abac bc'))
print(re.fullmatch(r'(\w+?)(\d*)', 'abc123').groups(), re.match(r'(\w+?)(\d*)', 'abc123').groups())
print(re.sub(r'(\w+)=(\w*)', r'\2:\1', 'a=1 b= c=3'), re.split(r'(,)\s*|(;)', 'a, b;c'))
print(re.findall(r'(\w+)(?=$)', 'one two\n'), re.findall(r'(\w+?)(?=\d|$)', 'ab1cd'))
print(re.findall(r'(\w+)(?=,|\.)', 'a, bc. d'), re.findall(r'(é+)(?=ü|$)', 'ééü é'))
print(re.findall(r'(x*?)(x*?)(x*?)(x*?)y', 'x' * 40 + 'y'))
print(re.findall(r'(x*)(x*)(x*?)(x*)y', 'x' * 40 + 'y' + 'x' * 3 + 'y'))
print(re.search(r'(|a)(b|)', 'ab').groups(), re.findall(r'()', 'ab'), re.findall(r'(a{0})(b)', 'bb'))
print(re.search(r'(?s)(.+)(.)', 'ab\ncd\n').groups(), re.search(r'(.+)(.)', 'ab\ncd\n').groups())
# Past the walk's step cap (thousands of ways tried first): the engine's groups.
print(re.findall(r'(x*)(x*)(x*)(?:q|x{30}w)', 'x' * 40 + 'w'))
print(re.findall(r'(x*?)(x*?)(x*?)(?:q|x{30}w)', 'x' * 40 + 'w' + 'x' * 31 + 'w'))
