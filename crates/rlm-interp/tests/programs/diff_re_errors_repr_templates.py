# Issue #76 (CPython's test_re): re.error's msg, pattern, pos, lineno and colno; a pattern's
# repr and flags; sub templates' octal escapes and group references; pos/endpos by keyword.
import re

for pattern in ["(", "a)", "*a", "a**", "[z-a]", "x(?P<1a>y)", "ab\n(?P=m)", "a\nb\n[", "(?<=a+)b", "\\"]:
    try:
        re.compile(pattern)
    except re.error as e:
        print(repr(pattern), "|", e, "|", e.msg, e.pattern == pattern, e.pos, e.lineno, e.colno)

for template in ["\\0", "\\000", "\\07", "\\08", "\\111", "\\1111", "\\377", "\\0a", "\\a\\b\\f\\v", "\\_"]:
    print(repr(template), repr(re.sub("x", template, "x")))
for template in ["\\400", "\\1", "\\18", "\\g<1", "\\g<>", "\\g<a-b>", "\\g<9>", "\\q"]:
    try:
        re.sub("(x)", template, "x")
    except re.error as e:
        print(repr(template), "|", e, "|", e.msg, e.pattern == template, e.pos)
print(re.sub("((((((((((y))))))))))(.)", "\\118", "xyz"), re.sub("(((((((((((x)))))))))))", "\\11", "x"))

print(re.compile("(?i)x").flags, re.compile("x").flags, re.compile("x", re.A).flags, re.compile("(?a)x").flags)
print(re.compile("(?i)(?m)x", re.S).flags)
for p, f in [("a", 0), ("a", re.I), ("a", re.I | re.M), ("(?i)a", 0), ("a", re.U), ("a", re.A),
             ("a", re.X | re.S), ("random", 0x123000), ("random", 0x123000 | re.I)]:
    print(repr(re.compile(p, f)))
long = "Very %spattern" % ("long " * 100)
r = repr(re.compile(long, re.I))
print(len(r), r[:30], r[-20:])
print(repr(re.compile("'\"" * 150))[-20:], len(repr(re.compile("\n" * 150))))

try:
    re.match(re.compile("."), "A", re.I)
except ValueError as e:
    print("ValueError:", e)
pat = re.compile("(ab)")
print(pat.match(string="abracadabra", pos=7, endpos=10).span())
print(pat.fullmatch(string="abracadabra", pos=7, endpos=9).span())
print(pat.search(string="abracadabra", pos=3, endpos=10).span())
print(pat.findall(string="abracadabra", pos=3, endpos=10))
print([m.span() for m in pat.finditer("abracadabra", endpos=10, pos=1)])
