import json
for bad in ["{bad}", "[1, 2", "", "{'a': 1}", "[1,]", "nul", '{"a" 1}', "1 2", '"unterminated']:
    try:
        json.loads(bad)
    except json.JSONDecodeError as e:
        print(type(e).__name__, e)
try:
    json.loads("[")
except ValueError as e:
    print("ValueError subclass:", type(e).__name__)
try:
    json.dumps({"s": {1, 2}})
except TypeError as e:
    print(type(e).__name__, e)
try:
    json.dumps({(1, 2): "tuple key"})
except TypeError as e:
    print(type(e).__name__, e)
