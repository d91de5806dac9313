# expect: forbidden
# Randomness would make runs non-deterministic.
import random
print("ESCAPED", random.random())
