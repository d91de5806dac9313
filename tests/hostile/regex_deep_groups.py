# expect: regex|nesting|fuel
# 20000 nested groups built at run time.
import re
p = "(?:" * 20000 + "a" + ")" * 20000
print(re.match(p, "a"))
print("ESCAPED")
