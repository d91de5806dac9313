# expect: collection_length
import collections
import itertools
c = collections.Counter()
for i in itertools.count():
    c[i] += 1
