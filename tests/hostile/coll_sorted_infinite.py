# expect: collection_length
import itertools
x = sorted(itertools.cycle([3, 1, 2]))
print("ESCAPED", len(x))
