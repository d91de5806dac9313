for v in [0.256, 1, 0, -0.5, 0.12345, 1.5e-5, 2.0 / 3]:
    print(f"{v:%} | {v:.1%} | {v:.0%} | {v:>9.2%}|")
print("{:.1%}".format(0.9999), "{:.2%}".format(0.125), format(3, ".0%"))
done, total = 7, 9
print(f"progress: {done / total:.1%} ({done}/{total})")
print(f"{0.05:+.1%} {-0.05:+.1%} {1.0:,.0%} {123.456:,.1%}")
