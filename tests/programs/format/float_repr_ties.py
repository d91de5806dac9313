vals = [1000000000000000.25, 1000000000000000.75, 2000000000000000.5, 0.125, 0.375, 2.5, 1e22, 1e23,
        5e-324, 9007199254740993.0, 0.1 + 0.2, 1 / 3, 2 / 3, 123456789012345.675, 4503599627370497.5]
for v in vals:
    print(repr(v), str(v), f"{v}", "%r" % v, -v)
out = []
for k in range(1, 200):
    out.append(repr((2 ** 50 + k * 7919) * 0.25))
    out.append(repr((2 ** 53 - k * 104729) / 8))
print(" ".join(out))
print([x / 16 for x in range(2 ** 52, 2 ** 52 + 40, 3)])
x = 12345
out = []
for i in range(3000):
    x = (x * 1103515245 + 12345) % 2 ** 31
    y = (x * 1103515245 + 12345) % 2 ** 31
    x = (y * 1103515245 + 12345) % 2 ** 31
    m = (x * 2 ** 22 + y) % 2 ** 53
    e = y % 80 - 60
    v = m * 2.0 ** e
    out.append(repr(v if i % 2 else -v))
    out.append(repr((2 ** 51 + x % 100000) / 4 + 0.125 * (i % 8)))
print(len(out), " ".join(out[:2000]))
print(" ".join(out[2000:]))
