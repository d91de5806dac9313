# expect: fuel|collection_length
# max() over an infinite iterator: no element is ever stored.
import itertools
print(max(itertools.repeat(1)))
print("ESCAPED")
