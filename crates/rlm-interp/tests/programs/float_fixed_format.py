# Fixed-point float formatting ('.Nf', '%', '%.Nf', and 'g' through it):
# ties on the exact binary value, large and small magnitudes, signed zero,
# nan/inf, precisions 0-20.
values = [0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, -0.125, 1.005, 2.675,
          0.045, 1.0000000000000002, 0.1, 0.7, 123456.785, 1e-7, 5e-324,
          2.2250738585072014e-308, 9007199254740991.0, 9007199254740993.0,
          1.8e19, 1.9e19, 1e22, 1e300, -1e300, 1e-300, 0.9999999999999999,
          9.5, 99.995, 0.0049999999999999, 3.14159265358979,
          float("nan"), float("inf"), float("-inf")]
for v in values:
    print(" ".join(f"{v:.{p}f}" for p in range(21)))
    print(f"{v:.2%}", "%.3f" % v, "%.0f" % v, f"{v:+.1f}", f"{v:12.4f}|", f"{v:,.2f}", f"{v:.3g}")
x = 1
for i in range(400):
    x = (x * 1103515245 + 12345) % 2147483648
    v = (x % 10000000) / 1000 - 5000
    w = x / 65536 / 65536 / 7
    p = i % 21
    print(f"{v:.{p}f} {w:.{p}f} {v * 1e10:.2f} {v / 1e12:.{p}f} {v:.{p % 6}g}")
for n in range(1, 60):
    t = n / 8
    print(f"{t:.0f} {t:.1f} {t:.2f} {t / 100:.3f}")
