# expect: fuel
# Infinite iterator driven by a for loop.
import itertools
for i in itertools.count():
    pass
print("ESCAPED")
