# expect: string_length
# json.dumps with a billion-space indent.
import json
s = json.dumps([[1, 2], [3]], indent=10**9)
print("ESCAPED", len(s))
