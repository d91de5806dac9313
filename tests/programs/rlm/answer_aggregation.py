answers = ["Paris", "paris ", "PARIS", "Lyon", "unknown", "Paris."]
def norm(a):
    return a.strip().strip(".").lower()
votes = {}
for a in answers:
    n = norm(a)
    if n != "unknown":
        votes[n] = votes.get(n, 0) + 1
print(votes)
best = max(votes, key=votes.get)
confidence = votes[best] / sum(votes.values())
print(best.title(), f"{confidence:.2f}")
print(sorted(votes.items(), key=lambda kv: kv[1], reverse=True))
