# Chunks the context, counts words and label lines per chunk, keeps the
# lines that mention a keyword, as a model's map step does before its
# sub-calls.
chunks = [context[i:i + 50000] for i in range(0, len(context), 50000)]
counts = {}
kept = []
for c in chunks:
    for line in c.splitlines():
        if "spam" in line or "Paris" in line:
            kept.append(line.strip())
        for w in line.split():
            counts[w] = counts.get(w, 0) + 1
top = sorted(counts.items(), key=lambda kv: -kv[1])[:10]
print(len(chunks), len(kept), top[:3])
