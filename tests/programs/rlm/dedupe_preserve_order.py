items = ["b", "a", "b", "c", "a", "d"]
seen = set()
unique = []
for x in items:
    if x not in seen:
        seen.add(x)
        unique.append(x)
print(unique, list(dict.fromkeys(items)))
records = [{"id": 2, "v": "x"}, {"id": 1, "v": "y"}, {"id": 2, "v": "z"}]
by_id = {}
for r in records:
    by_id.setdefault(r["id"], r)
print(list(by_id.values()))
