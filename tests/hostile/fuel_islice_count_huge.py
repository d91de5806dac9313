# expect: fuel|collection_length
# islice of 10**18 items from an infinite counter.
import itertools
print(sum(itertools.islice(itertools.count(), 10**18)))
