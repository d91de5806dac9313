# expect: fuel|memory|regex
# A distinct, sizeable pattern per round: a compiled-regex cache that keeps
# every one grows the host's memory outside the budget.
import re
s = "ab" * 1000
i = 0
while True:
    re.search("(?:a|b){%d}c" % (200 + i % 100000), s)
    i += 1
print("ESCAPED")
