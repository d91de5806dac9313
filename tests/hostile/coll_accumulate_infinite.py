# expect: collection_length
import itertools
x = list(itertools.accumulate(itertools.repeat(1)))
print("ESCAPED", len(x))
