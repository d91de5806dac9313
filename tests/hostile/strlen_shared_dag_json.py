# expect: string_length|fuel
# json.dumps of a list DAG whose levels share their child.
import json
a = [1]
for _ in range(60):
    a = [a, a]
s = json.dumps(a)
print("ESCAPED", len(s))
