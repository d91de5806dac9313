# expect: fuel|collection_length
# all() over an infinite iterator of true values.
import itertools
print(all(itertools.repeat(True)))
