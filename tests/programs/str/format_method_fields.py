items = ["zero", "one", "two"]
info = {"name": "Ann", "tags": ["x", "y"]}
print("{0[1]} {0[2]}".format(items), "{d[name]} {d[tags]}".format(d=info), "{0[name]}".format(info))
print("{:>{w}}|{:<{w}}|{:^{w}.{p}f}".format("r", "l", 3.14159, w=8, p=2))
print("{{literal}} {} {{}}".format(5), "{0}{1}{0}".format("ab", "-"), "{a}{b}{a}".format(a=1, b=2))
print("{!r:>8}|{!s:<6}|{:*^9}".format("q", "s", "mid"), "{0:.3}".format("truncate"), "{:.0f}".format(2.5))
print("{} {}".format(*["spread", "args"]), "{x}-{y}".format(**{"x": 1, "y": 2}), "{:,}".format(1234567))
print("{0:>3}{1:>3}{2:>3}".format(*range(3)), "{:3d}|{:<3d}|{:^5d}".format(1, 2, 3), "{:%}".format(0.5))
row = "{:<6}{:>6}"
print("\n".join(row.format(k, v) for k, v in {"a": 1, "bb": 22}.items()))
try:
    print("{0} {}".format(1, 2))
except ValueError as e:
    print(type(e).__name__, e)
try:
    print("{d[missing]}".format(d=info))
except KeyError as e:
    print(type(e).__name__, e)
try:
    print("{0[5]}".format(items))
except IndexError as e:
    print(type(e).__name__, e)
