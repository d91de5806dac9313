# expect: string_length
# Each element is short, the serialised list is not (within the collection cap).
import json
s = json.dumps(["y" * 100] * 500000)
print("ESCAPED", len(s))
