# `for i, x in enumerate(<list or tuple>)` pairs the index and the item
# without a tuple between, and a tuple unpacked into names moves its items:
# both must read exactly as CPython does (a list growing or shrinking under
# the loop, a start, nested unpacking, shared tuples, exhausted iterators).
xs = ["a", "b", "c"]
for i, x in enumerate(xs):
    if i == 0:
        xs.append("d")
    print(i, x)
print(i, x, xs)

ys = [1, 2, 3, 4]
for i, y in enumerate(ys):
    if y == 2:
        ys.clear()
    print("y", i, y)

for i, x in enumerate(("p", "q"), 10):
    print(i, x)
for i, x in enumerate("hé"):
    print(i, x)
for i, x in enumerate(range(3, 6)):
    print(i, x)
for i, (a, b) in enumerate([(1, 2), (3, 4)]):
    print(i, a + b)
for (i, x) in enumerate([[0], [1]]):
    x.append(i)
    print(i, x)

e = enumerate([7, 8])
for i, x in e:
    print("first", i, x)
    break
for i, x in e:
    print("rest", i, x)
for i, x in e:
    print("never", i, x)

def f(rows):
    out = []
    for n, row in enumerate(rows):
        if not row:
            continue
        out.append((n, row[0]))
    return out

print(f([[1], [], [3, 4]]))

t = (1, "two")
for k in range(2):
    a, b = t
    print(a, b, t)
d = {"x": 1, "y": [2]}
for k, v in d.items():
    print(k, v)
pairs = [(i, str(i)) for i in range(3)]
for a, b in pairs:
    print(a, b)
print(pairs)

try:
    a, b = (1, 2, 3)
except ValueError as err:
    print("ValueError", err)
try:
    for i, (a, b) in enumerate([(1, 2, 3)]):
        pass
except ValueError as err:
    print("ValueError", err)
try:
    for i, x, z in enumerate([1]):
        pass
except ValueError as err:
    print("ValueError", err)
total = 0
for i, v in enumerate([5] * 1000):
    total += i * v
print(total)
