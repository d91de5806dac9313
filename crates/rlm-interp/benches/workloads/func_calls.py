def score(word, weight=2):
    return len(word) * weight + (1 if word.startswith("r") else 0)
total = 0
words = context[:400000].split()
for w in words:
    total += score(w)
print(len(words), total)
