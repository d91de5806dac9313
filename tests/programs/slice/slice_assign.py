xs = list(range(10))
xs[2:5] = ["a", "b"]
print(xs)
xs[:0] = [-1]
print(xs)
xs[len(xs):] = [100, 101]
print(xs)
xs[::2] = [0] * len(xs[::2])
print(xs)
del xs[1:3]
print(xs)
del xs[::3]
print(xs)
xs[1:2] = []
print(xs)
try:
    xs[::2] = [1]
except ValueError as e:
    print(type(e).__name__, e)
