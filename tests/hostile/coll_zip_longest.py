# expect: fuel
# Lazy as CPython's (issue #76): the list grows until the fuel runs out.
import itertools
x = list(itertools.zip_longest(range(10**9), []))
print("ESCAPED", len(x))
