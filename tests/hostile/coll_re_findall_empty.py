# expect: collection_length
# findall of the empty pattern yields one match per position (3M + 1).
import re
x = re.findall("", "x" * 3000000)
print("ESCAPED", len(x))
