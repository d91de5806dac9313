# expect: fuel
# Each count() scans 200k characters: the scan must cost fuel, not one step.
s = "a" * (2 * 10**5)
n = 0
for _ in range(10**9):
    n += s.count("b")
print("ESCAPED", n)
