# expect: fuel
# Comparing two equal 1M-character strings is O(n) work.
a = "x" * 10**6
b = "x" * 10**6
n = 0
while True:
    if a == b:
        n += 1
