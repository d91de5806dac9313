# math.hypot and math.dist are rounded as CPython 3.11's (correctly rounded in practice:
# scaled, squares summed exactly, one Newton step), not as the C library's hypot, which
# is an ulp off on ordinary inputs: hypot(0.3, 0.5). Found by the differential fuzzer.
import math
vals = [0.3, 0.5, 1e-320, 3e-310, 1e308, 1.7e308, 0.1, 0.7, 2.5, 1e-200, 123.456, 7.0, 1.0, 3.0, 4.0, float('inf'), float('nan'), 0.0, -2.0, 5e-324, 2.2250738585072014e-308]
out = []
for a in vals:
    for b in vals:
        out.append(repr(math.hypot(a, b)))
for a in vals:
    for b in vals[:9]:
        for c in vals[:7]:
            out.append(repr(math.hypot(a, b, c)))
            out.append(repr(math.dist((a, b), (c, -a))))
x = 0.1
for i in range(300):
    x = (x * 7.31 + 0.123) % 97.0
    y = (x * 3.17 + 1.5) % 13.0
    out.append(repr(math.hypot(x, y)) + repr(math.hypot(x, y, x / 3)))
print(math.hypot(), math.hypot(-3), math.hypot(3, 4), math.dist([], []))
for o in out:
    print(o)
print(out[:40])
