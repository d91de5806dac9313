# expect: fuel
# re.split into 5 001 pieces, repeated: each split is linear work.
import re
s = "a," * 5000
n = 0
while True:
    n += len(re.split(r",", s))
print("ESCAPED", n)
