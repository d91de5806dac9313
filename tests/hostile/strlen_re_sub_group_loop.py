# expect: string_length|memory|collection_length|fuel
# re.sub doubling every match through a group reference, in a loop. The matches (one per "b")
# reach the collection cap before the text reaches the string cap (16x);
# each match is a search paid for in fuel (issue #33), which may run out first.
import re
s = "ab"
while True:
    s = re.sub(r"(b)", r"\1\1", s)
