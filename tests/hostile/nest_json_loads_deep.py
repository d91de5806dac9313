# expect: nesting
import json
x = json.loads("[" * 100000 + "]" * 100000)
print("ESCAPED")
