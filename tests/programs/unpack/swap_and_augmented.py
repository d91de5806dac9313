a, b, c = 1, 2, 3
a, b, c = c, a, b
print(a, b, c)
xs = [10, 20, 30]
xs[0], xs[2] = xs[2], xs[0]
print(xs)
d = {"n": 1}
d["n"] += 5
xs[1] *= 2
print(d, xs)
i = 0
xs[i], i = 99, 2
print(xs, i)
fib = [0, 1]
a, b = 0, 1
for _ in range(8):
    a, b = b, a + b
print(a, b)
