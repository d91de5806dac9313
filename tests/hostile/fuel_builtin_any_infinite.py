# expect: fuel|collection_length
# any() over an infinite iterator that never yields a true value.
import itertools
print(any(x < 0 for x in itertools.count()))
print("ESCAPED")
