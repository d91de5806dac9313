# expect: syntax
def f():
    return 1

with f() as g:
    print("ESCAPED", g)
