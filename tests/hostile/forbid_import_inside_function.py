# expect: forbidden
def f():
    import os
    return os.getcwd()

print("ESCAPED", f())
