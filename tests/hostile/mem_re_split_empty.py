# expect: memory|collection_length|string_length
# re.split with a pattern that matches the empty string everywhere: a part
# per character, charged as they are found (issue #33: 1.55 GB).
import re
s = "a" * 300000
while True:
    parts = re.split("", s)
    s = s + s
print("ESCAPED")
