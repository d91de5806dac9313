# expect: nesting
import json

x = []
for _ in range(20000):
    x = [x]
s = json.dumps(x)
print("ESCAPED", len(s))
