# expect: collection_length|memory|fuel
# Fuel may trip first under tight limits: each new key is charged
# FUEL_PER_NEW_DICT_KEY besides the factory's call (issue #33).
import collections
d = collections.defaultdict(list)
i = 0
while True:
    d[i].append(i)
    i += 1
