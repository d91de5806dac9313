xs = [3, 1, 2]
print(sorted(xs))
assert xs == sorted(xs), f"not sorted: {xs}"
