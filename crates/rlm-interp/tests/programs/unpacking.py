a, b = 1, 2
a, b = b, a
print(a, b)
(x, y), z = (1, 2), 3
print(x, y, z)
first, *rest = [1, 2, 3, 4]
print(first, rest)
*init, last = "abcd"
print(init, last)
h, *mid, t = range(5)
print(h, mid, t)
for i, (k, v) in enumerate({"a": 1, "b": 2}.items()):
    print(i, k, v)
print(*[1, 2, 3], sep=", ")
print([*range(3), *"ab"], (*[1], 2), {*[1, 1, 2]}, {**{"a": 1}, "b": 2})
def f(a, b, c=0, *args, d=4, **kw):
    return (a, b, c, args, d, kw)
print(f(1, 2), f(1, 2, 3, 4, 5, d=6, e=7), f(*[1, 2], **{"c": 9}))
try:
    a, b = [1, 2, 3]
except ValueError as e:
    print(e)
try:
    a, b, c = [1, 2]
except ValueError as e:
    print(e)
try:
    a, b = 5
except TypeError as e:
    print(e)
