text = "word " * 50
chunk_size = 60
chunks = [text[i:i + chunk_size] for i in range(0, len(text), chunk_size)]
print(len(chunks), [len(c) for c in chunks])
answers = [llm_query(f"Question: count words\n\nText:\n{c}") for c in chunks]
print(answers)
votes = {}
for a in answers:
    votes[a] = votes.get(a, 0) + 1
best = max(votes, key=votes.get)
print(best, votes)
FINAL(best)
