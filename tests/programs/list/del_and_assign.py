xs = list(range(6))
del xs[0]
print(xs)
del xs[-1]
print(xs)
xs[0] = "zero"
xs[-1] = "end"
print(xs)
m = [[1, 2], [3, 4]]
m[1][0] = 30
print(m)
try:
    del xs[99]
except IndexError as e:
    print(type(e).__name__, e)
