# expect: recursion
def f(x):
    return list(map(f, [x]))

f(0)
print("ESCAPED")
