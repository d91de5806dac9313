# expect: collection_length
# Counts that overflow when summed must still be refused before expanding.
import collections
c = collections.Counter({"a": 2**62, "b": 2**62, "c": 2**62})
x = list(c.elements())
print("ESCAPED", len(x))
