# expect: recursion
# Each level raises inside an except handler, building a deep chain.
def f(n):
    try:
        raise ValueError(n)
    except ValueError:
        return f(n + 1)
f(0)
print("ESCAPED")
