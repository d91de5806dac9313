# expect: fuel
# json.dumps / json.loads of a 1 000-element list, repeated.
import json
xs = [{"k": i, "v": "x" * 10} for i in range(1000)]
while True:
    xs = json.loads(json.dumps(xs))
print("ESCAPED")
