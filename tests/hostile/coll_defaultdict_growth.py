# expect: collection_length|memory
import collections
d = collections.defaultdict(list)
i = 0
while True:
    d[i].append(i)
    i += 1
