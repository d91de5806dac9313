# expect: collection_length|fuel
# Fuel may trip first under tight limits: zip is lazy, each pair pays its
# step and its new dict key (issue #33).
import itertools
d = dict(zip(itertools.count(), itertools.repeat(0)))
print("ESCAPED", len(d))
