# expect: recursion|nesting|fuel|memory|collection_length
# filter over filter over ... (see atk_map_chain_deep.py).
import itertools
g = itertools.count(1)
while True:
    for _ in range(1000):
        g = filter(None, g)
    next(g)
print("ESCAPED")
