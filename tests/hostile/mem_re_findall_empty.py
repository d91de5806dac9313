# expect: memory|collection_length|string_length
# re.findall("") over a long text: one match per position, charged as the
# matches are found (issue #33: 1.36 GB).
import re
s = "a" * 300000
while True:
    found = re.findall("", s)
    s = s + s
print("ESCAPED")
