# Dict and set keys, each type hashing itself (issue #79): equal keys find
# each other across types, and functions are keys by identity.
import re

d = {1: "int", "s": "str", (1, "a"): "tuple", frozenset([1, 2]): "frozenset", None: "none"}
print(d[1.0], d[True], d[(1.0, "a")], d[(True, "a")], d[frozenset([2, 1])], d[None])
print({2.0**62: "big"}[2**62], {0.5: "half"}[0.5], {-1: "neg"}[-1.0])
print(((1, (2, (3, "x"))) in {(1, (2, (3, "x")))}), (1, 2) in {(1, 2.0)})

def f():
    return 1

def g():
    return 2

fs = [f, g, lambda: 3, lambda: 4]
table = {fn: i for i, fn in enumerate(fs)}
print(len(table), [table[fn] for fn in fs], f in table, (lambda: 5) in table)
print({(f, 1): "a", (g, 1): "b"}[(g, 1)])
seen = set()
for fn in fs + fs:
    seen.add(fn)
print(len(seen))

print({len: "len", print: "print"}[len], len in {print})
print({re.IGNORECASE: "flag"}.get(2), {2: "two"}.get(re.IGNORECASE))
print({range(0): "empty"}.get(range(5, 5)), {range(0, 3, 2): "r"}.get(range(0, 4, 2)))
print({range(1, 2, 5): "one"}.get(range(1, 2, 7)), {range(3): "r3"}.get(range(3)))
print({int: "int type", str: "str type"}[str])
try:
    {[1]: 2}
except TypeError as e:
    print("TypeError:", e)
try:
    {(1, {2: 3}): 2}
except TypeError as e:
    print("TypeError:", e)
