items = [("fruit", "apple", 3), ("veg", "carrot", 5), ("fruit", "pear", 2), ("dairy", "milk", 1), ("veg", "leek", 4), ("fruit", "apple", 1)]
tally = {}
names = {}
for cat, name, qty in items:
    tally[cat] = tally.get(cat, 0) + qty
    names.setdefault(cat, set()).add(name)
for cat in sorted(tally, key=lambda c: -tally[c]):
    print(f"{cat:6} {tally[cat]:3d} {sorted(names[cat])}")
print(max(tally.items(), key=lambda kv: kv[1]))
print({c: round(v / sum(tally.values()), 3) for c, v in tally.items()})
