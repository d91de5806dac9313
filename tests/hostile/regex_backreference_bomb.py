# expect: regex
# Backreferences need backtracking: the engine must give up with a clear error (or refuse the pattern).
import re
print(re.match(r"^(a+)+\1$", "a" * 60 + "b"))
print("ESCAPED")
