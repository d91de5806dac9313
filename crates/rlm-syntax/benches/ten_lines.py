import re
chunks = [context[i:i + 50000] for i in range(0, len(context), 50000)]
print(f"{len(chunks)} chunks")
hits = []
for idx, ch in enumerate(chunks):
    for m in re.finditer(r"passphrase[:\s]+(\w+)", ch):
        hits.append((idx, m.group(1)))
answers = llm_batch([f"Find the passphrase in:\n{c}" for c in chunks[:10]])
best = sorted(hits, key=lambda h: h[0])[:3]
print(best, answers[0][:100])
