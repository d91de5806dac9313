# expect: recursion|nesting|fuel|memory|collection_length
# map over map over map ... over an infinite iterator, pulled every 1 000
# levels: pulling walks every level, so a native recursion per level would
# overflow the stack long before fuel runs out.
import itertools
g = itertools.count()
while True:
    for _ in range(1000):
        g = map(abs, g)
    next(g)
print("ESCAPED")
