from collections import defaultdict
groups = defaultdict(list)
for word in ["apple", "avocado", "banana", "blueberry", "cherry"]:
    groups[word[0]].append(word)
print(dict(groups))
counts = defaultdict(int)
for ch in "hello world":
    counts[ch] += 1
print(sorted(counts.items()))
seen = defaultdict(set)
for k, v in [("a", 1), ("a", 1), ("a", 2), ("b", 3)]:
    seen[k].add(v)
print({k: sorted(v) for k, v in seen.items()})
d = defaultdict(lambda: "missing")
print(d["x"], len(d), "y" in d, d.get("z"))
nested = defaultdict(lambda: defaultdict(int))
nested["a"]["b"] += 1
print({k: dict(v) for k, v in nested.items()})
print(groups.default_factory is list, defaultdict(int)["q"])
