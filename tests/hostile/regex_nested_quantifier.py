# expect: ok
# Catastrophic for a backtracking engine; linear (and instant) for the sandbox's engine.
import re
print(re.match(r"(a+)+$", "a" * 40 + "b"))
print(re.search(r"(a+)+$", "a" * 100000 + "b"))
