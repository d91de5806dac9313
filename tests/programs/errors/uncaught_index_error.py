xs = [1, 2, 3]
print(xs)
print(xs[3])
