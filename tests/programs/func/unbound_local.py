x = 5
def f():
    try:
        print(x)
    except UnboundLocalError as e:
        print(type(e).__name__, e)
    x = 1
    return x
print(f())
def g():
    try:
        return y
    except NameError as e:
        print(type(e).__name__, e)
        return None
print(g())
