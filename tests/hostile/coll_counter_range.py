# expect: collection_length
import collections
c = collections.Counter(range(10**9))
print("ESCAPED", len(c))
