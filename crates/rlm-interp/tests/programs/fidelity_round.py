def show(*args):
    try:
        r = round(*args)
        print(repr(args), "->", repr(r), type(r).__name__)
    except Exception as e:
        print(repr(args), "->", type(e).__name__, e)

inf = float("inf")
nan = float("nan")
for x in [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.49999999999999994, 2.675, 1e300, -0.0, 123.456, 1e-300]:
    if abs(x) < 1e18:
        show(x)
        show(x, None)
    for n in [0, 1, 2, 3, -1, -2, 15, 16, 17, 22, 300, 308, 309, 323, 400, -300, -308, -309, -400, 10**18, -10**18]:
        show(x, n)
for x in [inf, -inf, nan]:
    show(x)
    for n in [0, 2, -2, 400, -400, 10**18]:
        show(x, n)
for x in [123, -123, 125, 135, -125, 150, 250, 5, 15, 25, 0, 4611686018427387904, -4611686018427387904, 9223372036854775807 // 2, 49, 50, 51]:
    for n in [None, 0, 1, 5, -1, -2, -3, -18, -19, -20, -400, 10**18]:
        show(x, n)
show(True)
show(True, -1)
show(False, 2)
show(2.675, 2)
show(0.125, 2)
show(0.375, 2)
show(1.005, 2)
show(5e-324, 323)
show(5e-324, 324)
show(1.7976931348623157e308, -308)
show(1.7976931348623157e308, -309)
show(9.5e307, -307)
show(2.5, 0.5)
show(2.5, "1")
show("2.5")
show(None)
show(1.5, True)
seed = 12345
out = []
for i in range(1500):
    seed = (seed * 1103515245 + 12345) % 2147483648
    x = (seed % 2000001 - 1000000) / 10 ** (seed % 9)
    if i % 3 == 0:
        x = x * 0.001 + 0.005
    out.append(round(x, seed % 7 - 1))
    out.append(round(x * 1e-5, seed % 12))
print(out[:40])
print(hash(tuple(out)) == hash(tuple(out)), sum(out))
print(",".join(repr(v) for v in out[1000:1400]))
halves = [k / 8 for k in range(-40, 41)] + [k / 1000 + 0.0005 for k in range(0, 3000, 7)]
print([round(h, 2) for h in halves])
print([round(h, 3) for h in halves])
