# groupby: drawing the next group invalidates the one before (it ends), and
# a group reads the shared source; tee shares one buffer.
import itertools

groups = []
for k, g in itertools.groupby("aaabbbcc"):
    groups.append((k, g))
print([(k, list(g)) for k, g in groups])
it = itertools.groupby([1, 1, 2, 2, 2, 3])
k1, g1 = next(it)
print(k1, next(g1))
k2, g2 = next(it)
print(k2, list(g1), list(g2))
k3, g3 = next(it)
print(k3, list(g2), list(g3), next(it, "end"))
src = iter(range(10))
gb = itertools.groupby(src, lambda x: x // 3)
k, g = next(gb)
print(k, next(g), next(src), list(g))
print([(k, len(list(g))) for k, g in itertools.groupby([], None)])
a, b = itertools.tee(iter([1, 2, 3, 4]))
print(next(a), next(a), next(b), list(a), list(b))
src = iter(range(5))
t1, t2, t3 = itertools.tee(src, 3)
print(next(t1), next(src), list(t2), list(t1), list(t3))
print(itertools.tee([1], 0))
