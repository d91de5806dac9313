# Walks every occurrence of a word with str.find from the last one, counting
# the lines they are on (issue #53: it needed more than 120 M fuel).
word = "Paris"
idx = context.find(word)
hits = 0
lines = set()
while idx != -1:
    hits += 1
    lines.add(context.count("\n", max(0, idx - 200), idx))
    idx = context.find(word, idx + 1)
print(hits, len(lines))
