# expect: collection_length|memory|fuel
# Fuel may trip first under tight limits: each new key is charged
# FUEL_PER_NEW_DICT_KEY besides the loop's own steps (issue #33).
import collections
import itertools
c = collections.Counter()
for i in itertools.count():
    c[i] += 1
