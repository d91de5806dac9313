d = {"a": 1}
print(d.setdefault("a", 9), d.setdefault("b", 2), d.setdefault("c"), d)
print(d.pop("c"), d.pop("zz", "dflt"), d.get("zz"), d.get("zz", 0), d)
d.update({"x": 1}, y=2)
d.update([("z", 3)])
print(d, d.popitem(), d)
print(d | {"a": 100, "new": 0}, {"k": 1} | {}, d)
d |= {"a": -1}
print(d)
shared = dict.fromkeys(["p", "q"], [])
shared["p"].append(1)
print(shared, dict.fromkeys("ab"), dict.fromkeys([], 5))
copy = d.copy()
copy["a"] = "changed"
print(d["a"], copy["a"], d == copy, {1: "a"} == {1.0: "a"}, {"a": 1, "b": 2} == {"b": 2, "a": 1})
del d["x"]
print(d, list(d), len(d), d.clear(), d)
def show(thunk):
    try:
        print("ok", thunk())
    except Exception as e:
        print(type(e).__name__, e)
show(lambda: {}.pop("missing"))
show(lambda: {}.popitem())
show(lambda: {"a": 1}["b"])
show(lambda: {(1, 2): 0}[(2, 1)])
show(lambda: dict([("a", 1, 2)]))
show(lambda: {}.update(1))
