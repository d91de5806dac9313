# expect: collection_length|memory|string_length|fuel
# findall with groups makes one tuple per match; the input doubles until a
# limit trips.
import re
s = "ab"
while True:
    m = re.findall(r"(a)(b)?", s)
    s = s + s
print("ESCAPED", len(m))
