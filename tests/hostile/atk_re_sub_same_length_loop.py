# expect: fuel|collection_length
# re.sub over 200 000 characters with a match at every position; the result
# has the same length, so only fuel per byte/match stops the loop (or the
# collection cap, which the matches count against).
import re
s = "a" * 200000
while True:
    s = re.sub(r"a", "a", s)
print("ESCAPED")
