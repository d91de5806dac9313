# expect: fuel|collection_length
# filter() that never yields: the list stays empty, only fuel can stop this.
import itertools
print(list(filter(None, itertools.repeat(0))))
print("ESCAPED")
