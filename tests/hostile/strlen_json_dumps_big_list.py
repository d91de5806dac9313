# expect: string_length
# Each element is short, the serialised list is not (within the collection cap).
import json
n = 1
while True:
    s = json.dumps(["y" * 100] * n)
    n *= 2
print("ESCAPED", len(s))
