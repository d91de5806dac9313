records = [("x", 3), ("y", 1), ("z", 3), ("w", 1), ("v", 2)]
print(sorted(records, key=lambda r: r[1]))
print(sorted(records, key=lambda r: r[1], reverse=True))
by_name = sorted(records)
print(sorted(by_name, key=lambda r: r[1]))
print(sorted([3, 1, 2], reverse=True), sorted("cba"), sorted((2, 1)))
print(sorted({"b": 1, "a": 2}), sorted([1.5, -1, 0, 2]))
