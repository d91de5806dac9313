# expect: nesting
import json

x = []
for _ in range(100000):
    x = [x]
s = json.dumps(x)
print("ESCAPED", len(s))
