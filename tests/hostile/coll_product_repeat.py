# expect: collection_length | fuel
# 100**10 tuples.
import itertools
x = list(itertools.product(range(100), repeat=10))
print("ESCAPED", len(x))
