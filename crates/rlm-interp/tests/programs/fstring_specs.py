n = 1234567.891
i = 42
print(f"{n:,.2f}|{n:_.1f}|{n:e}|{n:.3E}|{n:g}|{n:.3g}|{n:%}|{0.25:.1%}")
print(f"{i:5d}|{i:<5d}|{i:^5d}|{i:>5}|{i:05d}|{i:+d}|{-i:+d}|{i: d}|{i:x}|{i:X}|{i:#x}|{i:o}|{i:#o}|{i:b}|{i:#b}")
print(f"{i:*^9}|{i:=+8}|{-i:08}|{1234567:,}|{1234567:_}|{255:_x}|{65:c}")
print(f"{'abc':>6}|{'abc':<6}|{'abc':^7}|{'abc':.2}|{'abc':*>6.1}")
print(f"{3.0}|{3.0:.0f}|{2.5:.0f}|{3.5:.0f}|{0.125:.2f}|{1e-5:.2e}|{1e300:g}|{1.0:g}|{100000.0:g}|{1e6:g}")
print(f"{float('inf'):f}|{float('nan'):.2f}|{-0.0:.1f}|{1.23456789e-7:.10f}")
print(f"{True}|{True:d}|{None}|{[1, 2]}|{ {'a': 1} }")
w, p = 10, 3
print(f"{3.14159:{w}.{p}f}|")
print(format(3.14159, ".3f"), format(42, "08b"), format("x", "^5"), format(12345.678, ",.1f"))
print("{} {} {}".format(1, "two", 3.0), "{0}{1}{0}".format("a", "b"), "{name}={val:.2f}".format(name="pi", val=3.14159))
print("{:>8}|{:<8}|{:^8}|".format("r", "l", "c"), "{{literal}} {}".format(5), "{0[1]} {1[k]}".format([1, 2], {"k": "v"}))
