# expect: fuel
# Sorting 10 000 elements with a builtin key (no Python frames per element):
# the sort and every key call must be paid for.
xs = list(range(10000, 0, -1))
while True:
    ys = sorted(xs, key=str)
print("ESCAPED")
