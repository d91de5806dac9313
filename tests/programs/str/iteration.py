counts = {}
for ch in "mississippi":
    counts[ch] = counts.get(ch, 0) + 1
print(counts)
print(sorted("mississippi"), sorted(set("mississippi")))
print(list(reversed("abc")), "".join(reversed("stressed")))
print([c for c in "a1b2" if c.isdigit()])
print(max("hello"), min("hello"))
