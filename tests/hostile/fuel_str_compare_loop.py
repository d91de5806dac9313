# expect: fuel
# Comparing two equal 200k-character strings is O(n) work.
a = "x" * (2 * 10**5)
b = "x" * (2 * 10**5)
n = 0
while True:
    if a == b:
        n += 1
