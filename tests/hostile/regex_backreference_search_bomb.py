# expect: regex|fuel|ok
# (fuel: under the test suite's small fuel limit, at 5 units a backtracking step.)
import re
print(re.search(r"((a*)*b)\2c", "a" * 5000))
print("ESCAPED")
