# expect: forbidden
def f():
    return 1

s = "{0.__globals__}".format(f)
print("ESCAPED", s)
