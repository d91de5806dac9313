# expect: collection_length|fuel
# findall of the empty pattern yields one match per position (len + 1),
# over an ever longer string. Each match is a search paid for in fuel
# (issue #33), so the fuel may run out before the collection cap.
import re
s = "x"
while True:
    x = re.findall("", s)
    s = s + s
print("ESCAPED", len(x))
