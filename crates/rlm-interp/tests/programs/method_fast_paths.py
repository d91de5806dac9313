# The built-in method calls run without an argument vector (`vm/method_fast.rs`,
# issue #16) against CPython: dict.get on every dict kind and key type, with
# and without a default, keys equal across types (1, 1.0, True), long and
# unhashable keys (the general path); list.append; str.startswith/endswith with
# str, tuple and wrong arguments; wrong argument counts give CPython's errors;
# Counter.update/subtract (int counts added in place, `counter_update`).
from collections import Counter, defaultdict, OrderedDict

d = {"a": 1, 2: "two", (1, 2): "pair", None: "none", 1.5: "f"}
print(d.get("a"), d.get("b"), d.get("b", 0), d.get(2), d.get(2.0), d.get(True))
print(d.get((1, 2)), d.get(None), d.get(1.5), d.get("x" * 100, "long"))
d["x" * 100] = "long key"
print(d.get("x" * 100), d.get(1, "default"))
c = Counter("abracadabra")
print(c.get("a"), c.get("z"), c.get("z", 5))
dd = defaultdict(list)
print(dd.get("missing"), len(dd), dd.get("missing", []))
od = OrderedDict([("k", 1)])
print(od.get("k"), od.get("j", -1))
e = {1: "one"}
print(e.get(True), e.get(1.0), e.get(False, "no"))
for bad in ([1], {"a": 1}, {1}):
    try:
        d.get(bad)
    except TypeError as err:
        print("TypeError", err)
for args in ((), (1, 2, 3)):
    try:
        d.get(*args)
    except TypeError as err:
        print("TypeError", err)
counts = {}
for w in "the river the city the river a".split():
    counts[w] = counts.get(w, 0) + 1
print(counts)

xs = []
for i in range(5):
    xs.append(i * i)
xs.append(xs)
print(len(xs), xs[:5], xs[5] is xs)
try:
    xs.append()
except TypeError as err:
    print("TypeError", err)
try:
    xs.append(1, 2)
except TypeError as err:
    print("TypeError", err)

s = "river report"
print(s.startswith("riv"), s.startswith("rep"), s.startswith(""), s.endswith("ort"))
print(s.endswith("river"), s.startswith(("a", "ri")), s.endswith(("x", "y")))
print(s.startswith("rep", 6), s.endswith("river", 0, 5), "é-ü".startswith("é"), "é-ü".endswith("ü"))
for bad in (1, None, ["r"]):
    try:
        s.startswith(bad)
    except TypeError as err:
        print("TypeError", err)
try:
    s.endswith()
except TypeError as err:
    print("TypeError", err)

# Counter updates add int counts in place (`counter_update`); other counts
# (bools, floats, strings) take the general addition.
c = Counter("abracadabra")
c.update("abcz")
c.update({"a": 2, "q": 1.5})
c.subtract("aaz")
c.subtract({"b": 10})
print(sorted(c.items()))
c2 = Counter({"t": True, "f": 1.5})
c2.update(["t", "f", "t"])
print(sorted(c2.items()))
c3 = Counter({"big": 2 ** 61})
c3.update({"big": 2 ** 61})
c3.subtract({"big": -(2 ** 61)})
print(c3)
try:
    Counter({"s": "x"}).update(["s"])
except TypeError as err:
    print("TypeError", err)
