# expect: fuel
# deque.rotate by half its length, repeated: each rotation moves 5 000 items.
from collections import deque
d = deque(range(10000))
while True:
    d.rotate(5000)
print("ESCAPED")
