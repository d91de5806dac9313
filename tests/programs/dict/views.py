d = {"a": 1, "b": 2, "c": 3}
ks = d.keys()
d["d"] = 4
print(ks, len(ks), "d" in ks)
print(d.keys() & {"a", "z"}, sorted(d.keys() | {"z"}), sorted(d.keys() - {"a"}))
print(sum(d.values()), max(d.items(), key=lambda kv: kv[1]))
print(list(d.items())[-1], ("a", 1) in d.items())
