from functools import partial
def f(a, b, c=0):
    return a + b + c
def show(thunk):
    try:
        print("ok", thunk())
    except Exception as e:
        print(type(e).__name__, e)
g = partial(f, 1)
show(lambda: g(2))
show(lambda: g(2, 3))
show(lambda: g())
show(lambda: g(2, 3, 4))
show(lambda: g(2, d=5))
show(lambda: partial(f, a=1)(2))
show(lambda: partial(f, b=1)(2))
show(lambda: partial(f, c=1)(2, 3))
