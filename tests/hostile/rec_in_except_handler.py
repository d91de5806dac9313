# expect: recursion
# Recursion through exception handlers must still hit the depth cap.
def f(n):
    try:
        raise ValueError(n)
    except ValueError:
        return f(n + 1)

f(0)
print("ESCAPED")
