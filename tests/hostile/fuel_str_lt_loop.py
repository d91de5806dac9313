# expect: fuel
# Ordering two long strings that differ only at the end scans both.
a = "x" * 200000 + "a"
b = "x" * 200000 + "b"
n = 0
while True:
    if a < b:
        n += 1
