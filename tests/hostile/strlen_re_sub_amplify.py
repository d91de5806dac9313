# expect: string_length
# re.sub with an empty pattern and a long replacement.
import re
r = re.sub("", "y" * 1000, "x" * 100000)
print("ESCAPED", len(r))
