print(1 and 2, 0 and 2, 1 or 2, 0 or 2)
print("" or "default", "x" or "y", None or 0 or [])
print([] and 1, [0] and "yes")
print(None and 1, 0 or None)
x = 0
y = x or 10
print(y)
def side(v):
    print("eval", v)
    return v
print(side(0) and side(1))
print(side(1) or side(2))
print(not None, not not 3)
