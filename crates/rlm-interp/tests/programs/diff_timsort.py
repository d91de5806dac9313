# list.sort and sorted as CPython 3.11's timsort, comparison for comparison (issue #76): the comparisons a cmp_to_key function sees over runs, ties, descending and random data past minrun and galloping; nan and a lying comparison keep every element and give CPython's order; a failed comparison leaves the list as far as the sort got; json sort_keys keeps a nan key; Counter.most_common as sorted() or heapq.nlargest (its heap past 2,500 items).
from collections import Counter
from functools import cmp_to_key
state = [99]
def rnd(n):
    state[0] = (state[0] * 1103515245 + 12345) % 2147483648
    return (state[0] >> 8) % n
log = [0, 0]
def cmp(a, b):
    log[0] = (log[0] * 31 + a[0] * 1000 + b[0]) % 1000000007
    log[1] += 1
    return (a[1] > b[1]) - (a[1] < b[1])
def make(kind, n):
    if kind == 0:
        return [rnd(1000) for i in range(n)]
    if kind == 1:
        return [i + rnd(3) for i in range(n)]
    if kind == 2:
        return [rnd(4) for i in range(n)]
    if kind == 3:
        return [n - i for i in range(n)]
    if kind == 4:
        out = []
        while len(out) < n:
            run = rnd(50) + 1
            start = rnd(1000)
            step = 1 if rnd(2) else -1
            out.extend(start + step * j for j in range(run))
        return out[:n]
    if kind == 5:
        return [(i * 7919) % 1009 if i % 5 else i for i in range(n)]
    return [i if rnd(10) else rnd(10000) for i in range(n)]
for n in [0, 1, 2, 3, 5, 10, 31, 32, 33, 63, 64, 65, 100, 127, 128, 200, 257, 500, 1000, 2049, 5000]:
    for kind in range(7):
        xs = [(i, v) for i, v in enumerate(make(kind, n))]
        log[0] = 0
        log[1] = 0
        ys = sorted(xs, key=cmp_to_key(cmp))
        log2 = list(log)
        zs = sorted(xs, key=cmp_to_key(cmp), reverse=True)
        print(n, kind, log2, log, [i for i, v in ys[:5]], [i for i, v in zs[:5]], len(ys) == n)
nan = float('nan')
state[0] = 7
def rnd(n):
    state[0] = (state[0] * 1103515245 + 12345) % 2147483648
    return (state[0] >> 8) % n
xs = [3, nan, 1, nan, 2, 0.5, nan, -1]
print(sorted(xs), sorted(xs, reverse=True))
for n in [10, 70, 300]:
    ys = [nan if rnd(4) == 0 else rnd(100) for i in range(n)]
    print(sorted(ys))
    print(sorted(ys, reverse=True))
    liar = sorted(range(n), key=cmp_to_key(lambda a, b: rnd(3) - 1))
    print(liar, sorted(liar) == list(range(n)))
print(sorted(range(20), key=lambda x: nan if x % 3 else x))
print(sorted([[1, nan], [1, 2], [0, nan]]))
l = [5, 3, 'a', 1, 2, 9, 0, 'b', 4]
try:
    l.sort()
except TypeError as e:
    print(e, l)
l = list(range(100, 0, -1)) + ['x'] + list(range(50))
try:
    l.sort()
except TypeError as e:
    print(e, l[:20], len(l))
l = [3, 1, 2, None, 0]
try:
    l.sort(reverse=True)
except TypeError as e:
    print(e, l)
l = [(1, 'a'), (0, 2), (1, 3), (0, 'b')]
try:
    l.sort()
except TypeError as e:
    print(e, l)
l = list(range(200))
def bad(a, b):
    if a == 150: raise ValueError('boom')
    return (a < b) - (a > b)
try:
    l.sort(key=cmp_to_key(bad))
except ValueError as e:
    print(e, l[:10], l[-10:], sorted(l) == list(range(200)))
import json
print(json.dumps({nan: 1, 2.0: 2, 1: 3}, sort_keys=True))
print(Counter({'a': nan, 'b': 1, 'c': 2}).most_common())
print(max(xs), min(xs))
print(sorted([{1, 2}, {1}, {3}]))
print(sorted([(1, {2}), (1, {1})]))
print(sorted({1: 'a', nan: 'b', 0: 'c'}))
state[0] = 5
def rnd(n):
    state[0] = (state[0] * 1103515245 + 12345) % 2147483648
    return (state[0] >> 8) % n
for size in [0, 1, 2, 5, 40, 3000]:
    c = Counter()
    for i in range(size):
        c['k%d' % i] = float('nan') if rnd(7) == 0 else rnd(50) - 10
    for n in [None, -1, 0, 1, 2, 3, 10, size - 1, size, size + 5]:
        r = c.most_common(n)
        print(size, n, len(r), r[:6])
c = Counter({'a': 'x', 'b': 'z', 'c': 'y'})
print(c.most_common(), c.most_common(2), c.most_common(1))
try:
    print(Counter({'a': 1, 'b': 'z', 'c': 2}).most_common())
except TypeError as e:
    print('TypeError', e)
try:
    print(Counter({'a': 1, 'b': 'z', 'c': 2, 'd': 0}).most_common(2))
except TypeError as e:
    print('TypeError', e)
print(Counter('abracadabra').most_common(3), Counter({'x': 2.5, 'y': 2, 'z': 2.0}).most_common())
try:
    print(Counter('ab').most_common('x'))
except TypeError as e:
    print('TypeError', e)
