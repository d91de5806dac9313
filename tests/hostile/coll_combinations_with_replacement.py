# expect: collection_length | fuel
import itertools
x = list(itertools.combinations_with_replacement(range(1000), 6))
print("ESCAPED", len(x))
