# expect: regex|fuel
# A backreference pattern that backtracks a lot on every call, in a loop:
# each call's backtracking steps must cost fuel.
import re
s = "ab" * 12 + "c"
for _ in range(10**9):
    re.search(r"(a|ab)(c|bcd)?(?=(\w*))\3\1x", s)
print("ESCAPED")
