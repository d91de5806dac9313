data = {"users": [{"name": "a", "tags": ["x", "y"]}, {"name": "b", "tags": []}],
        "meta": {"count": 2, "ok": True, "ratio": 0.5}}
print(data)
print(repr(data["users"][0]))
t = (1, [2, (3, {"four": 4})])
print(t)
print([[1, [2, [3, [4, []]]]]])
print(str({"s": "quote'd"}))
