# expect: regex|ok
import re
print(re.search(r"((a*)*b)\2c", "a" * 5000))
print("ESCAPED")
