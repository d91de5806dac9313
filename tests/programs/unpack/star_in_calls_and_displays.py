a = [1, 2]
b = (3, 4)
print(*a, *b, sep="-")
print([*a, *b], (*a, 0), {*a, *b}, [*"hi", *range(2)])
d1 = {"x": 1, "y": 2}
d2 = {"y": 20, "z": 30}
print({**d1, **d2}, {**d2, **d1}, {**d1, "w": 0}, dict(**d1), {**{}})
def f(p, q, r=0, *rest, **kw):
    return p, q, r, rest, kw
print(f(*a), f(*a, *b), f(*b, 9, k=1), f(1, *a, **{"m": 2}), f(**{"p": 5, "q": 6}))
args = ("x", "y")
kwargs = {"r": "z", "extra": True}
print(f(*args, **kwargs), f(*args, r=1, **{"s": 2}))
first, *rest = [*a, *b]
print(first, rest, max(*a), min(*b, 0))
try:
    f(*a, **{"p": 9})
except TypeError as e:
    print(type(e).__name__, e)
try:
    f(**{"q": 1})
except TypeError as e:
    print(type(e).__name__, e)
