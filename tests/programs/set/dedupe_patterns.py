words = "the cat and the hat and the bat".split()
seen = set()
unique = []
for w in words:
    if w not in seen:
        seen.add(w)
        unique.append(w)
print(unique)
print(list(dict.fromkeys(words)))
print(len(set(words)), sorted(set(words)))
print(sorted(set(words), key=words.index))
pairs = [(1, 2), (2, 1), (1, 2), (3, 3)]
print(sorted(set(pairs)), sorted({tuple(sorted(p)) for p in pairs}))
common = set("hello") & set("world")
print(sorted(common), sorted(set("hello") ^ set("world")))
ids = [5, 3, 5, 1, 3]
dups = sorted({x for x in ids if ids.count(x) > 1})
print(dups)
