rows = [("bob", 25, 3.5), ("amy", 30, 3.9), ("cal", 25, 3.9), ("dee", 30, 3.1)]
print(sorted(rows))
print(sorted(rows, key=lambda r: (r[1], r[0])))
print(sorted(rows, key=lambda r: (-r[2], r[0])))
print(sorted(rows, key=lambda r: r[1], reverse=True))
print(max(rows, key=lambda r: (r[2], r[1])), min(rows, key=lambda r: r[1]))
scores = {"x": 3, "y": 5, "z": 3}
print(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])))
print(sorted(zip([3, 1, 2], "cab")), list(zip(*sorted(zip([3, 1, 2], "cab")))))
