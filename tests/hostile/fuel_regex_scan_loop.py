# expect: fuel
# Linear-time regex over 200k characters, repeated: each scan must cost fuel.
import re
s = "ab" * 100000
n = 0
for _ in range(10**9):
    n += len(re.findall(r"c", s))
print("ESCAPED", n)
