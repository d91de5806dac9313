# expect: forbidden
def f():
    return 1

g = f.__globals__
print("ESCAPED", g)
