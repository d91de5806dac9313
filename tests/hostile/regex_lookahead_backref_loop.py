# expect: regex|fuel
# Many moderately expensive backtracking matches in a loop.
import re
s = "a" * 25 + "b"
for _ in range(10**9):
    re.match(r"(?=(a|aa)+\1$)", s)
print("ESCAPED")
