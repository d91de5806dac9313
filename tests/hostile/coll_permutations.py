# expect: memory | fuel
# 20! permutations: lazy as CPython's (issue #76), the list of 20-tuples grows past the budget.
import itertools
x = list(itertools.permutations(range(20)))
print("ESCAPED", len(x))
