import json
doc = json.loads('{"a": {"b": [1, {"c": "x"}], "d": null}, "e": [true, {"f": {"g": 2.5}}]}')
def walk(node, path, out):
    if isinstance(node, dict):
        for k, v in node.items():
            walk(v, f"{path}.{k}", out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, f"{path}[{i}]", out)
    else:
        out.append((path, node))
    return out
for p, v in walk(doc, "$", []):
    print(p, repr(v))
