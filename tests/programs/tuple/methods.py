t = (1, 2, 2, 3, 2)
print(t.count(2), t.index(3), t.index(2, 2), len(t))
print(t + (4,), t * 2, (0,) * 3, () + ())
print(tuple("ab"), tuple([1, 2]), tuple(range(3)), tuple())
print(min(t), max(t), sum(t), sorted(t, reverse=True))
try:
    t.index(9)
except ValueError as e:
    print(type(e).__name__, e)
try:
    t[0] = 5
except TypeError as e:
    print(type(e).__name__, e)
print((1, [2]) == (1, [2]), (1,) < (1, 0))
x = 1, 2
print(x, type(x))
