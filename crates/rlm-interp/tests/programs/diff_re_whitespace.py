# re's \s is str.isspace: the separators \x1c-\x1f are whitespace too, and
# \S excludes them (found by the differential fuzzer, issue #53).
import re

text = 'a\x1f\x7fﬁne\x1cb c\x85d\u3000e'
print(re.split(r'\s+', text))
print(re.findall(r'\S+', text))
print(re.findall(r'[\s,]+', 'a,\x1d b'))
print(re.findall(r'[\S]+', 'a\x1eb c'))
print(re.findall(r'[^\s]+', 'a\x1eb c'))
print(re.sub(r'\s', '_', '\x1c\x1d\x1e\x1f \t'))
print([s for s in 'x\x1fy z'.split()], 'x\x1fy z'.split())
print(re.findall(r'\\s', r'a\sb'))
print(bool(re.fullmatch(r'\s*', '\x1c\x1d')), bool(re.match(r'(?=\S)\w', 'a')))
print(re.findall(r'^\s*', '\x1f\x7f'))
