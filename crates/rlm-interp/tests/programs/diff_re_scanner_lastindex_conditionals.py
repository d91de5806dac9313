# Issue #76 (CPython's test_re): Pattern.scanner, match.lastindex/lastgroup/regs as sre sets
# them (the group closed last), conditionals on a group's name, [\b] and compiled flags.
import re

scanner = re.compile(r"\s").scanner("a b c")
print(scanner.search().span(), scanner.search().span(), scanner.search())
s = re.compile("(ab)").scanner(string="abracadabra", pos=3, endpos=10)
print(s.search().span(), s.search(), s.pattern.pattern)
s = re.compile(r"\w").scanner("ab c")
print(s.match().group(), s.match().group(), s.match())

for p, t in [("(a)?a", "a"), ("(a)(b)?b", "ab"), ("(?P<a>a)(?P<b>b)?b", "ab"), ("(?P<a>a(b))", "ab"),
             ("((a))", "a"), ("(a)()", "a"), ("(a())", "a"), ("(?:(a)|(b))*", "ab"), ("(?:(a)|(b))*", "ba")]:
    m = re.match(p, t)
    print(p, m.lastindex, m.lastgroup, m.regs)

p = re.compile("(?P<g1>a)(?P<g2>b)?((?(g2)c|d))")
print(p.match("abc").groups(), p.match("ad").groups(), p.match("abd"), p.match("ac"))
print(re.compile("(?P<quote>)(?(quote))").match("x").span())
print(re.match(r"^(\()?([^()]+)(?(1)\))$", "(a)").groups(), re.match(r"^(\()?([^()]+)(?(1)\))$", "a)"))
print(re.match(r"[\b]", "\b").span(), re.sub("(?P<unk>x)", r"\g<1>\g<1>\b", "xx"))
try:
    re.compile(re.compile("."), re.I)
except ValueError as e:
    print("ValueError:", e)
