d = {"a": 1, "b": 2}
print(d.keys(), d.values(), d.items())
print({}.keys(), {}.values(), {}.items())
k, v, it = d.keys(), d.values(), d.items()
d["c"] = 3
print(k, v, it, len(k), len(v), len(it))
del d["a"]
print(list(k), list(v), list(it))
print("b" in k, 3 in v, ("b", 2) in it, ("b", 3) in it, "z" in k)
print(sorted(k, reverse=True), sum(v), max(it), [x for x in k])
print(k & {"b", "x"}, k - {"b"}, sorted(k | {"z"}), k == {"b", "c"}, k ^ {"c"})
print(type(k).__name__, type(v).__name__, type(it).__name__)
print(str(d.keys()), repr(d.values()), f"{d.items()}", list(reversed(d)), list(reversed(d.keys())))
print({1: [1, 2], 2: {"x": None}}.values(), {(1, 2): "t"}.items())
