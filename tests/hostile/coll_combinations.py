# expect: collection_length
# C(100, 50) combinations.
import itertools
x = list(itertools.combinations(range(100), 50))
print("ESCAPED", len(x))
