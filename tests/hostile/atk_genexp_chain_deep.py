# expect: recursion|nesting|fuel|memory|collection_length
# Generator expressions of generator expressions: each level's next() runs
# the level below it.
g = iter(range(10**9))
while True:
    for _ in range(1000):
        g = (x for x in g)
    next(g)
print("ESCAPED")
