# expect: string_length|memory
# re.sub doubling every match through a group reference, in a loop.
import re
s = "ab"
while True:
    s = re.sub(r"(b)", r"\1\1", s)
