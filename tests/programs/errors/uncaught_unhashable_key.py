seen = {}
key = ["a", "b"]
print(tuple(key) in seen)
seen[key] = 1
