# Bulk set and dict operations (issue #33: read in place, charged as they
# grow): results and orders must match CPython's.
a = {3, 1, 2}
b = {2, 5, 4}
print(sorted(a | b), sorted(a & b), sorted(a - b), sorted(a ^ b))
print(a.union(b, [9, 8]), a.intersection(b, {2}), a.difference([1]), a.symmetric_difference([3, 7]))
s = set(a)
s |= b
print(s)
s |= s
print(s)
s.update([10, 11], {12}, s)
print(s)
t = {"x", "y"}
t.update("yz")
print(sorted(t))
u = set(range(5))
u &= {1, 2, 9}
print(u)
u -= {1}
print(u)
u ^= {2, 3}
print(u)
w = set()
w |= set(range(40))
print(len(w), min(w), max(w))
f = frozenset([1, 2])
print(f | {3}, type(f | {3}).__name__, {3} | f, type({3} | f).__name__)
d = {"a": 1}
print(sorted(d.keys() | {"b"}), sorted(d.keys() & {"a", "c"}))
s2 = {1, 2}
s2 |= d.keys()
print(sorted(s2, key=str))
x = {"a": 1, "b": 2}
y = {"b": 3, "c": 4}
print(x | y, y | x)
x |= y
print(x)
x |= x
print(x)
x.update(x)
print(x)
z = {}
z |= {i: i * i for i in range(5)}
print(z)
z.update({0: -1}, )
print(z)
print(dict({"q": 1}), dict(x))
try:
    f.update([1])
except AttributeError as e:
    print("AttributeError", e)
