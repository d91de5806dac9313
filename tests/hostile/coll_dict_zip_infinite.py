# expect: collection_length
import itertools
d = dict(zip(itertools.count(), itertools.repeat(0)))
print("ESCAPED", len(d))
