import json
data = {"b": [1, 2], "a": {"d": None, "c": "x"}, "e": []}
print(json.dumps(data, indent=2))
print(json.dumps(data, sort_keys=True))
print(json.dumps(data, indent=4, sort_keys=True))
print(json.dumps(data, separators=(",", ":")))
print(json.dumps(data, indent="\t"))
print(json.dumps([1, [2, {}]], indent=0))
print(json.dumps({"k": [1]}, indent=1, separators=(",", ": ")))
