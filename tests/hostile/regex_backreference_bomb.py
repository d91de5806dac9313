# expect: regex|ok
# Backreferences need backtracking: the engine must give up with a clear error
# (or refuse the pattern), or find the answer within its step limit.
import re
print(re.match(r"^(a+)+\1$", "a" * 60 + "b"))
print("bounded")
