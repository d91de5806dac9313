# expect: recursion
def f(n):
    return f(n + 1)

for attempt in range(3):
    try:
        f(0)
    except Exception as e:
        print("ESCAPED", type(e).__name__)
