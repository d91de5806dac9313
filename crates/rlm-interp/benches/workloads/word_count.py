counts = {}
for w in context.split():
    counts[w] = counts.get(w, 0) + 1
top = sorted(counts.items(), key=lambda kv: -kv[1])[:5]
print(len(counts), top)
