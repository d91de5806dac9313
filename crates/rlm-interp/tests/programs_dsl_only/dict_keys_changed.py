# DSL-only: keys removed and added under a dict's loop at the same size, more than once between steps or with CPython's table rebuilt by an insert (its iterator then skips the entries before its position that left holes): here the walk raises "dictionary keys changed during iteration" where CPython may yield more or end quietly (docs/divergences.md, `dict-keys-changed`).
d = {"a": 1, "b": 2, "c": 3}
try:
    for k in d:
        print("step", k)
        del d[k]
        d[k * 2] = 0
except RuntimeError as e:
    print("RuntimeError:", e)
print(d)
d = {"a": 1, "b": 2, "c": 3}
try:
    for k in d:
        print("two", k)
        if k == "a":
            del d["a"]
            del d["b"]
            d["x"] = 1
            d["y"] = 1
except RuntimeError as e:
    print("RuntimeError:", e)
print(d)
