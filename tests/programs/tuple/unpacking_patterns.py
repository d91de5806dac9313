point = (3, 4)
x, y = point
print(x, y)
a, *rest = (1, 2, 3, 4)
print(a, rest)
*init, last = (1, 2, 3)
print(init, last)
first, *mid, end = "abcde"
print(first, mid, end)
(p, q), r = (1, 2), 3
print(p, q, r)
x, y = y, x
print(x, y)
for name, (lo, hi) in [("a", (1, 2)), ("b", (3, 4))]:
    print(name, lo + hi)
def minmax(xs):
    return min(xs), max(xs)
lo, hi = minmax([5, 2, 9])
print(lo, hi, minmax([1]))
try:
    a, b = (1, 2, 3)
except ValueError as e:
    print(type(e).__name__, e)
try:
    a, b, c = (1, 2)
except ValueError as e:
    print(type(e).__name__, e)
