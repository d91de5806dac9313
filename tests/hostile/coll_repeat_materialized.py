# expect: collection_length
import itertools
x = list(itertools.repeat("x", 10**10))
print("ESCAPED", len(x))
