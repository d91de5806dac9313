# expect: collection_length
# findall of the empty pattern yields one match per position (len + 1),
# over an ever longer string.
import re
s = "x"
while True:
    x = re.findall("", s)
    s = s + s
print("ESCAPED", len(x))
