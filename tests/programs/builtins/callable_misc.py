print(callable(len), callable(lambda: 1), callable(3), callable("s"), callable(str.upper))
def f():
    return 1
print(callable(f), f(), type(f) == type(lambda: 0))
print(bool(f), (f if f else None)())
