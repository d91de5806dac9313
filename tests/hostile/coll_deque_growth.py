# expect: collection_length
import collections
d = collections.deque([0])
while True:
    d.extend(list(d))
