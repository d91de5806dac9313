# expect: fuel
# Each lookup hashes (and on a hit compares) a 200k-character key: the
# reading must cost fuel, not one step.
k = "k" * 200000
d = {k: 1}
n = 0
while True:
    n += d[k]
