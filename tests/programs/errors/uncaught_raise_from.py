def load(k):
    return {"a": 1}[k]
print(load("a"))
try:
    load("b")
except KeyError as e:
    raise RuntimeError("lookup failed") from e
