# Issue #59's plain-loop and call-site paths, against CPython: a list
# comprehension's append (nested too), `not`, cells stored and loaded in a
# loop, `w in line` over short and long lines (the same needle string reused,
# whose search picks are kept), `any`/`all` items that do and do not decide,
# `int(x)` / `str(x)` / `m.group(...)` by call site, and loops over list
# displays of constants (walked as a folded tuple).
import re

lines = ["Matt: Go ahead and roll a perception check.", "Laura: nat 20!", "", "x" * 300 + "roll",
         "R\u00e9sum\u00e9 roll caf\u00e9", "rol", "ROLL", "d20 natural"]
print([l for l in lines if "roll" in l])
print([l for l in lines if "roll" not in l])
print([l for l in lines if not l])
print([l for l in lines if "" in l])
print(["x" * 300 in l for l in lines])
print(["abcdefghijklmnopq" in l for l in lines])
needle = "nat"
print([needle in l for l in lines], [needle in l.lower() for l in lines])
print([[c for c in w if c not in "aeiou"] for w in ["roll", "check", ""]])
print([not v for v in [[], {}, "", 0, 0.0, None, [0], "a", 1, (), (1,)]])
fs = [lambda: x for x in range(3)]
print([f() for f in fs])


def cells(xs):
    out = []
    for x in xs:
        out.append([y for y in xs if y != x and any(y == z for z in xs)])
    return out


print(cells([1, 2, 3]))
print([l for l in lines if any(kw in l.lower() for kw in ["check", "roll", "save", "throw"])])
print([l for l in lines if all(kw not in l for kw in ("zz", "yy"))])
print(any(x > 2 for x in [1, 2, 3, 4]), all(x > 0 for x in [1, 2, 0]), any(x for x in []))
for x in [1, "a", None, 2.5, True, -3]:
    print(x, type(x).__name__)
for t in [("a", "b"), ("c", "d")]:
    print(t)
pair = ("k", 1)
print(pair, (1, 2) + (3,), [(i, j) for i in (1, 2) for j in ["p", "q"]])
print(int("12"), int(" 7 "), int(3.9), int(True), int("-0"), str(5), str(None), str([1, "a"]))
for bad in ["x", "1.5", ""]:
    try:
        int(bad)
    except ValueError as e:
        print("ValueError", e)
total = 0
for m in re.finditer(r"(?P<word>[a-z]+) (\d+)", "roll 12 check 7 save 30"):
    total += int(m.group(2))
    print(m.group(), m.group(0), m.group(1), m.group("word"), m.group(1, 2))
    try:
        m.group(5)
    except IndexError as e:
        print("IndexError", e)
print(total)
