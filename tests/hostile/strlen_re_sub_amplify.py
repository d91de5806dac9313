# expect: string_length
# re.sub with an empty pattern and a long replacement: the result is 1001x
# longer than the text, which doubles every round.
import re
s = "x"
while True:
    r = re.sub("", "y" * 1000, s)
    s = s + s
print("ESCAPED", len(r))
