scores = [s for s in [3, -1] if s > 5]
print(max(scores, default=0))
max(scores)
