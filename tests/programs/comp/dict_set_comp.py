text = "the cat and the hat and the bat"
counts = {w: text.split().count(w) for w in text.split()}
print(counts)
print({w for w in text.split() if w.endswith("at")} == {"cat", "hat", "bat"})
print(sorted({len(w) for w in text.split()}))
inv = {v: [k for k in counts if counts[k] == v] for v in sorted(set(counts.values()))}
print(inv)
print({i: {j: i * j for j in range(3)} for i in range(2)})
