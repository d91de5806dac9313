from collections import Counter
log = ["GET /a", "POST /b", "GET /a", "GET /c", "GET /a", "POST /b", "DELETE /a"]
paths = Counter(line.split()[1] for line in log)
methods = Counter(line.split()[0] for line in log)
print(paths.most_common(), methods.most_common(1))
ranked = sorted(paths, key=lambda p: (-paths[p], p))
print(ranked)
for rank, p in enumerate(ranked, 1):
    print(f"#{rank} {p} {paths[p]} ({paths[p] / len(log):.0%})")
