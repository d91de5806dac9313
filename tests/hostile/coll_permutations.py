# expect: collection_length
# 20! permutations.
import itertools
x = list(itertools.permutations(range(20)))
print("ESCAPED", len(x))
