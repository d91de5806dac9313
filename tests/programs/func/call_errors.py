def f(a, b):
    return a + b
h0 = lambda: 0
cases = [lambda: f(1), lambda: f(1, 2, 3), lambda: f(1, c=2), lambda: f(1, a=2), lambda: h0(1), lambda: len(), lambda: len(1, 2)]
for c in cases:
    try:
        c()
    except TypeError as e:
        print(type(e).__name__, e)
def g(x, *, y):
    return x
try:
    g(1, 2)
except TypeError as e:
    print(type(e).__name__, e)
