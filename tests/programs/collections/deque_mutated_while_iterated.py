# A deque's iterator notices every mutation that adds, removes or moves
# items, even one that keeps the length (CPython counts them); item
# assignment is not one.
from collections import deque

d = deque([1, 2, 3])
seen = []
try:
    for x in d:
        seen.append(x)
        d.append(4)
        d.popleft()
except RuntimeError as e:
    print("RuntimeError", e, seen)

d = deque([1, 2, 3])
try:
    for x in d:
        d.rotate(1)
except RuntimeError as e:
    print("RuntimeError", e)

d = deque([1, 2, 3])
try:
    for x in d:
        d.remove(2)
        d.append(5)
except RuntimeError as e:
    print("RuntimeError", e, list(d))

d = deque([1, 2, 3])
out = []
for x in d:
    d[0] = 9
    out.append(x)
print(out, list(d))

d = deque([1, 2, 3])
it = iter(d)
print(next(it))
d.appendleft(0)
d.pop()
for attempt in range(2):
    try:
        next(it)
    except RuntimeError as e:
        print("RuntimeError again", e)
