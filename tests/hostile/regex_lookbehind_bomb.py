# expect: regex|ok
import re
print(re.search(r"(?<=a)(?:(a|aa)+)+c", "a" * 5000 + "b"))
