# expect: fuel
# C(100, 50) combinations: lazy as CPython's (issue #76), the list grows until the fuel runs out.
import itertools
x = list(itertools.combinations(range(100), 50))
print("ESCAPED", len(x))
