# expect: collection_length
import itertools
x = list(itertools.zip_longest(range(10**9), []))
print("ESCAPED", len(x))
