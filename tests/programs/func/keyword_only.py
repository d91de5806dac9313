def f(a, *, key, default=None):
    return a, key, default
print(f(1, key=2), f(1, key=2, default=3))
try:
    f(1, 2)
except TypeError as e:
    print(type(e).__name__, e)
try:
    f(1)
except TypeError as e:
    print(type(e).__name__, e)
def g(a, b, /, c):
    return a + b + c
print(g(1, 2, 3), g(1, 2, c=3))
