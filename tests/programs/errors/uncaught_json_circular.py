import json
d = {"a": 1}
print(json.dumps(d))
d["me"] = d
json.dumps(d)
