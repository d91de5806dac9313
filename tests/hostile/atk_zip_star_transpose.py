# expect: collection_length|memory|fuel
# Transposing a 10**4 x 10**4 grid of one shared range: 10**8 elements.
r = range(10**4)
t = list(zip(*[r] * 10**4))
print("ESCAPED", len(t))
