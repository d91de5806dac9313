# Dict iteration reads the table in place, a step at a time (issue #59):
# keys, values and items, and the views' iterators, must read exactly as
# CPython's do, mutation under the loop included.
d = {"a": 1, "b": 2, "c": 3}
for k in d:
    print("k", k)
for v in d.values():
    print("v", v)
for k, v in d.items():
    print("kv", k, v)
for kv in d.items():
    print("pair", kv, type(kv).__name__)
for k in d.keys():
    print("key", k)
for (k, v) in d.items():
    print("paren", k, v)
for k, (x, y) in {"p": (1, 2), "q": (3, 4)}.items():
    print("nested", k, x + y)
print(list(d), list(d.keys()), list(d.values()), list(d.items()))
print(sorted(d.items(), key=lambda kv: -kv[1]))
print(sum(d.values()), max(d, key=d.get), min(d.values()))
print(tuple(d.items()), set(d.keys()) == {"a", "b", "c"})
print(dict(d.items()), dict(zip(d, d.values())))
print([k for k in d], [v * 2 for v in d.values()], {k: v for k, v in d.items()})
print(list(zip(iter(d.items()), range(5))))
print(list(enumerate(iter(d.items()))))
print(list(iter(d.items())), list(iter(d.values())), list(iter(d)))
for i, (k, v) in enumerate(d.items()):
    print("enum", i, k, v)
for a, b in zip(d, d.values()):
    print("zip", a, b)
empty = {}
for k in empty:
    print("never")
for k, v in empty.items():
    print("never")
print(list(empty.items()), sum(empty.values()))

# Value updates of existing keys are allowed and seen.
d = {"a": 1, "b": 2, "c": 3}
for k in d:
    d["c"] += 10
    print("upd", k, d[k])
for k, v in d.items():
    d[k] = v * 2
    if k == "a":
        d["b"] = 0
    print("upd2", k, v)
print(d)
for v in d.values():
    d["c"] = -1
    print("upd3", v)

# A change of size raises, and keeps raising.
def grow(d):
    try:
        for k in d:
            d[k + "!"] = 1
            print("grew at", k)
    except RuntimeError as e:
        print("RuntimeError:", e)
    print(len(d))

grow({"x": 1, "y": 2})

d = {1: 1, 2: 2, 3: 3}
try:
    for k, v in d.items():
        print("del", k, v)
        del d[k]
except RuntimeError as e:
    print("RuntimeError:", e)
print(d)

d = {1: 1, 2: 2}
it = iter(d)
print(next(it))
d[3] = 3
for attempt in range(3):
    try:
        print(next(it))
    except RuntimeError as e:
        print("sticky", e)
    except StopIteration:
        print("stop")

d = {1: 1, 2: 2, 3: 3}
try:
    for v in d.values():
        print("pop", v)
        d.pop(3, None)
except RuntimeError as e:
    print("RuntimeError:", e)

d = {1: 1, 2: 2, 3: 3}
try:
    for k in d:
        print("clear", k)
        d.clear()
except RuntimeError as e:
    print("RuntimeError:", e)
print(d)

# Cleared and refilled to the same size within a step: CPython's table was
# replaced; the next step finds no entry past its position (the same here).
d = {1: 1}
for k in d:
    d.clear()
    d[5] = 5
    print("refilled", k)
print(d)

# Keys changed at the same size on the last step: CPython finds the new
# entry past what it expected at once.
d = {"a": 1, "b": 2, "c": 3}
try:
    for k in d:
        print("last", k)
        if k == "c":
            del d["a"]
            d["z"] = 26
except RuntimeError as e:
    print("RuntimeError:", e)
print(d)

# Deleted and put back (same key, same size) on the last step.
d = {"a": 1, "b": 2}
try:
    for k, v in d.items():
        print("reinsert", k, v)
        if k == "b":
            del d[k]
            d[k] = v + 1
except RuntimeError as e:
    print("RuntimeError:", e)
print(d)

# popitem then an insert, on the last step.
d = {"a": 1, "b": 2}
try:
    for k in d:
        print("popitem", k)
        if k == "b":
            d.popitem()
            d["n"] = 0
except RuntimeError as e:
    print("RuntimeError:", e)

# Keys removed after the position and others added: read on as CPython;
# removed before it: CPython's hole is walked past, then the extra entry
# raises; a key added then removed within a step changes nothing.
d = {"a": 1, "b": 2, "c": 3}
for k in d:
    print("after", k)
    if k == "a":
        del d["c"]
        d["n"] = 0
d = {"a": 1, "b": 2, "c": 3}
try:
    for k in d:
        print("before", k)
        if k == "a":
            del d["a"]
            d["n"] = 0
except RuntimeError as e:
    print("RuntimeError:", e)
d = {"a": 1, "b": 2, "c": 3}
for k in d:
    print("insdel", k)
    if k == "a":
        d["n"] = 0
        del d["n"]

# Nested loops over the same dict.
d = {"a": 1, "b": 2, "c": 3}
for x in d:
    for y in d:
        if x < y:
            print("pair", x, y)
for k1, v1 in d.items():
    for k2, v2 in d.items():
        if v1 + v2 == 4:
            print("sum4", k1, k2)
try:
    for x in d:
        for y in d.values():
            d[x] = y
        d[x + x] = 0
except RuntimeError as e:
    print("RuntimeError:", e)
print(d)

# The iterator kept after the loop, next() on a dict iterator, exhausted
# iterators stay exhausted.
d = {"a": 1, "b": 2, "c": 3}
it = iter(d.items())
for k, v in it:
    print("first", k, v)
    break
for k, v in it:
    print("rest", k, v)
for k, v in it:
    print("never", k, v)
print(next(it, "done"))
d["d"] = 4
print(next(it, "still done"))
print(list(it))

kit = iter(d)
print(next(kit), next(kit))
vit = iter(d.values())
print(next(vit), list(vit), next(vit, None))
e = iter({})
print(next(e, "empty"))
try:
    next(iter({}.items()))
except StopIteration:
    print("StopIteration")

# A view's iterator sees the dict at each step, made before a change.
d = {"a": 1}
keys = d.keys()
d["b"] = 2
print(list(keys), list(iter(d.values())), len(d.items()))
it = iter(d.values())
d["a"] = 100
print(list(it))

# Unpacking a dict and its views; a dict in a dict.
a, b = {"x": 1, "y": 2}
print(a, b)
(k1, v1), (k2, v2) = {"x": 1, "y": 2}.items()
print(k1, v1, k2, v2)
try:
    for k, v in {"ab": 1, "xyz": 2}:
        print("unpack key", k, v)
except ValueError as e:
    print("ValueError:", e)
nested = {"o": {"i": 1, "j": 2}}
for k, inner in nested.items():
    for ik, iv in inner.items():
        print(k, ik, iv)

# A counter, an OrderedDict and a defaultdict iterate as dicts do.
from collections import Counter, OrderedDict, defaultdict
c = Counter("abracadabra")
for k, n in c.items():
    print("counter", k, n)
print(max(c, key=c.get), sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
od = OrderedDict([("z", 1), ("y", 2)])
for k, v in od.items():
    print("od", k, v)
dd = defaultdict(list)
dd["q"].append(1)
for k, v in dd.items():
    print("dd", k, v)
try:
    for k in dd:
        dd["new"]
except RuntimeError as e:
    print("RuntimeError:", e)

# In a function (fast locals) and with a comprehension.
def f(d):
    total = 0
    for k, v in d.items():
        if v % 2:
            continue
        total += v
    out = []
    for k in d:
        out.append(k)
    return total, out, [k for k, v in d.items() if v > 1]

print(f({"a": 1, "b": 2, "c": 4}))

# sum over a dict's keys or values, in place or mixed.
print(sum({1: 2, 2.5: 1}), sum({1: 2, 2: 3}.values()), sum({"a": 1.5, "b": 2}.values()))
print(sum({}.values()), sum({1: 1, 2: 2}.values(), 10), sum({1: [1], 2: [2]}.values(), []))
print(sum({"a": 1, "b": 2.5, "c": 3}.values()), sum({1: True, 2: 2}.values()))
try:
    sum({1: "x"}.values())
except TypeError as e:
    print("TypeError:", e)

# A dict's get as a key function (called back from max, min, sorted).
d = {"a": 3, "b": 1, "c": 2}
print(max(d, key=d.get), min(d, key=d.get), sorted(d, key=d.get, reverse=True))
print(sorted(["b", "a", "c"], key={"a": 2, "b": 1, "c": 0}.get))
print(max(Counter("hello world"), key=Counter("hello world").get))
print(max([1, 2, 3], key={1: "x", 2: "z", 3: "y"}.get))
try:
    max(["a", "zz"], key={"a": 1}.get)
except TypeError as e:
    print("TypeError:", e)
try:
    max([[1], [2]], key={}.get)
except TypeError as e:
    print("TypeError:", e)
print(list(map(d.get, ["a", "q", "c"])), sorted(d.items(), key={("a", 3): 1, ("b", 1): 3, ("c", 2): 2}.get))

# Keys and items views compare as sets, with each other too; values views
# only with themselves.
d = {1: 2, 3: 4}
e = {3: 5, 1: 0}
print(d.keys() == e.keys(), d.keys() != e.keys(), d.items() == e.items())
print(d.items() == {3: 4, 1: 2}.items(), d.values() == d.values(), d.keys() == {1, 3})
