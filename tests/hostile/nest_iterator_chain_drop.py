# expect: ok
# Iterators over lists holding iterators over lists ... 50 000 deep, and
# closures closing over closures, dropped: without recursion on the host's
# stack.
it = iter([0])
for _ in range(50000):
    it = iter([it])
it = None

def wrap(inner):
    return lambda: inner

g = wrap(0)
for _ in range(50000):
    g = wrap(g)
g = None
print("done")
