text = """It was the best of times, it was the worst of times, it was the age of wisdom,
it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity"""
counts = {}
for word in text.lower().replace(",", " ").split():
    counts[word] = counts.get(word, 0) + 1
top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
for w, n in top[:6]:
    print(f"{w:>10}: {n}")
print(len(counts), sum(counts.values()))
