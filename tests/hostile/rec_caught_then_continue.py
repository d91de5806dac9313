# expect: recursion
# CPython raises a catchable RecursionError; the sandbox's depth limit is not catchable.
def f(n):
    return f(n + 1)

try:
    f(0)
except RecursionError:
    print("ESCAPED")
print("ESCAPED")
