# expect: fuel
# Each count() scans 1M characters: the scan must cost fuel, not one step.
s = "a" * 10**6
n = 0
for _ in range(10**9):
    n += s.count("b")
print("ESCAPED", n)
