# expect: memory|string_length|collection_length
# re.sub with empty matches inserts the replacement between every two
# characters: the result is charged as it grows (issue #33: 0.7 GB).
# (The matches, one per character, may reach the collection cap first.)
import re
s = "a" * 100000
while True:
    s = re.sub("", "--", s)
print("ESCAPED")
