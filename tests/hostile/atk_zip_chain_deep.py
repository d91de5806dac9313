# expect: recursion|nesting|fuel|memory|collection_length
# zip(zip(zip(...))) over an infinite iterator: pulling builds a value as
# deep as the chain, and walks every level.
import itertools
g = itertools.count()
while True:
    for _ in range(1000):
        g = zip(g)
    next(g)
print("ESCAPED")
