# expect: collection_length
import itertools
x = list(itertools.count())
print("ESCAPED", len(x))
