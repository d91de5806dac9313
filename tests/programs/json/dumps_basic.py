import json
data = {"name": "Ann", "age": 30, "tags": ["a", "b"], "ok": True, "none": None, "pi": 3.14, "nested": {"x": [1, {"y": 2}]}}
print(json.dumps(data))
print(json.dumps([1, 2.5, "s", None, True, False]))
print(json.dumps("quote \" backslash \\ newline \n tab \t"))
print(json.dumps({}), json.dumps([]), json.dumps(""), json.dumps(0), json.dumps(-0.0), json.dumps(1e16), json.dumps(1e-7))
print(json.dumps((1, 2)), json.dumps({1: "int key", 2.5: "float key", True: "b", None: "n"}))
print(json.dumps(float("inf")), json.dumps(float("nan")))
