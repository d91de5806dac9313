xs = list(range(10))
print(xs[2:5], xs[::3], xs[::-1], xs[-4:], xs[:-7], xs[7:3:-2])
print(xs[100:], xs[-100:2])
ys = xs[:]
ys[0] = 99
print(xs[0], ys[0])
