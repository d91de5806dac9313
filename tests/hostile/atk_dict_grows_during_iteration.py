# expect: fuel|collection_length|memory
# A dict that grows while it is iterated (CPython: RuntimeError after the
# first insert). The iteration must stay memory-safe and bounded.
d = {0: 0}
while True:
    try:
        for k in d:
            d[len(d)] = k
    except RuntimeError:
        d[len(d)] = 0
print("ESCAPED", len(d))
