# expect: recursion|nesting|fuel|memory|collection_length
# itertools.chain nested in itself, pulled every 1 000 levels.
import itertools
g = itertools.count()
while True:
    for _ in range(1000):
        g = itertools.chain(g, [0])
    next(g)
print("ESCAPED")
