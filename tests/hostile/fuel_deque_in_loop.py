# expect: fuel
# Membership in a 10k-element deque scans it: each test must cost fuel.
import collections
q = collections.deque(range(10000))
n = 0
while True:
    if -1 in q:
        n += 1
