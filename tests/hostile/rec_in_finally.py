# expect: recursion
def f(n):
    try:
        return n
    finally:
        f(n + 1)

f(0)
print("ESCAPED")
