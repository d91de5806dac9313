import json
text = '{"users": [{"id": 1, "name": "A", "score": 9.5}, {"id": 2, "name": "B", "score": null}], "total": 2, "flag": false}'
d = json.loads(text)
print(d)
print(d["users"][0]["name"], d["total"] + 1, d["flag"], d["users"][1]["score"])
print(json.loads("[1, 2.0, 3e2, -4, 1E-2]"), json.loads("  true "), json.loads("null"), json.loads('"s"'))
print(type(json.loads("1")), type(json.loads("1.0")), json.loads("12345678901234"))
print(json.loads('{"a": 1, "a": 2}'), json.loads('[]'), json.loads('{"nested": {"deep": [[[]]]}}'))
print(json.loads('"tab\\tnl\\nq\\"bs\\\\sl\\/"'))
