# The interpreter's fast paths (issue #16) against CPython: native sorts of
# all-int and all-str keys (stability, reverse, key=), the general sort on
# mixed keys, format specs, splitlines views, int() of digit runs, re
# capture slots reused between searches, and functions with and without
# **kwargs.
import re
from collections import Counter
from functools import cmp_to_key

words = "the river report alpha growth needle city forest Paris data the city a B b A".split()
print(sorted(words))
print(sorted(words, reverse=True))
print(sorted(words, key=len))
print(sorted(words, key=len, reverse=True))
print(sorted(words, key=str.lower))
print(sorted([3, -1, 2, 2, 0, -7, 10 ** 12, -(2 ** 62)]))
print(sorted([(2, "b"), (1, "z"), (2, "a"), (1, "a")]))
print(sorted([1, 2.5, True, 0, -3.25, False]))
print(sorted(["é", "e", "z", "É", "ü", "a", ""]))
pairs = [(w, i % 3) for i, w in enumerate(words)]
print(sorted(pairs, key=lambda p: p[1]))
print(sorted(pairs, key=lambda p: -p[1], reverse=True))
print(sorted(words, key=cmp_to_key(lambda a, b: len(a) - len(b))))
xs = [5, 3, 9, 1]
xs.sort(reverse=True)
print(xs)
try:
    sorted([1, "a", 2])
except TypeError as e:
    print("TypeError", e)
print(sorted({3, 1, 2}) < sorted({4}), {1, 2} < {1, 2, 3}, {1} <= {1}, (1, 2) < (1, 3))
print(Counter(words).most_common(3))

for v in [0, 7, -7, 123456789, 3.14159, -0.5, 1e21, 2.5e-7, True, "abc"]:
    for spec in ["", ">10", "<8", "^9", "*^9", "+", " ", "010", "0=12", ",", "_"]:
        try:
            print(repr(format(v, spec)), end=" ")
        except ValueError as e:
            print("ValueError:", e, end=" ")
    print()
for v in [1234567.891, -0.000123, 42]:
    for spec in [".2f", "12.3f", "+.1e", ".3g", "#x" if isinstance(v, int) else ".0%", "010.2f", ",.2f", "#o" if isinstance(v, int) else "g"]:
        print(repr(format(v, spec)), end=" ")
    print()
for bad in [".f", "99999999999999999999999d", "=s"]:
    try:
        format(5, bad)
    except ValueError as e:
        print("ValueError:", e)

text = "one\ntwo\r\nthree\rfour\x0bfive\x1csix\u2028seven\n\neight"
print(text.splitlines())
print(text.splitlines(True))
print("".splitlines(), "\n".splitlines(), "x\n".splitlines(True))
print("river" in "a river runs", "" in "abc", "riv" in "ri", "é" in "café")
print("abcabc".find("ca"), "abc".find(""), "ab".find("abc"))

for s in ["0", "007", "42", " 42 ", "-12", "+5", "1_000", "123456789012345678", "9223372036854775807"]:
    print(int(s), end=" ")
print()
for s in ["", "1 2", "12a", "_1"]:
    try:
        int(s)
    except ValueError as e:
        print("ValueError:", e)

hay = "needle 12 and needle 7, needle x, needle 300"
print([(m.group(0), m.group(1), m.span(1)) for m in re.finditer(r"needle (\d+)", hay)])
print(re.findall(r"(n)(e+)dle", hay), re.search(r"(x)?needle", hay).groups())
print(sum(int(m.group(1)) for m in re.finditer(r"(\d+)", hay)))


def plain(a, b=2):
    return a * b


def with_kwargs(a, **kw):
    return a, sorted(kw.items())


print([plain(i) for i in range(5)], plain(3, b=4), with_kwargs(1), with_kwargs(1, z=2, y=3))
long = "é" * 600 + "needle x needle"
print("aaaa".count("aa"), "abcabc".rfind("bc"), long.count("needle"), long.find("x"), long.rfind("needle"))
print(long.startswith("é"), long.count(""), long.count("needle", 601), long[599:607].count("e"))
# sorted(key=len) over every type len's fast path reads, and ones it does not.
mixed = ["abc", [1, 2], (1,), {"a": 1, "b": 2, "c": 3, "d": 4}, "", "héllo", range(3), {1, 2}]
print(sorted(mixed, key=len, reverse=True))
print([len(x) for x in sorted(mixed, key=len)])
try:
    sorted(["a", 1], key=len)
except TypeError as e:
    print("TypeError", e)
