# expect: forbidden
def f():
    return 1

setattr(f, "x", 1)
print("ESCAPED")
