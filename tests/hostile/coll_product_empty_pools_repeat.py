# expect: collection_length|fuel
# A single one-element pool repeated 10**12 times: one tuple of 10**12 items.
import itertools
x = list(itertools.product([1], repeat=10**12))
print("ESCAPED", len(x))
