# expect: collection_length
# A tiny Counter whose elements() expands to 10**12 items.
import collections
c = collections.Counter({"a": 10**12})
x = list(c.elements())
print("ESCAPED", len(x))
