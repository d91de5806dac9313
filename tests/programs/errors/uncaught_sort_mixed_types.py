rows = [("a", 1), ("b", "2")]
print(sorted(rows))
sorted(rows, key=lambda r: r[1])
