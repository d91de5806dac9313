docs = {"d1": "rust memory safety and speed", "d2": "python is easy and slow", "d3": "rust and python interop for speed"}
query = "rust speed"
terms = query.split()
scores = {}
for doc_id, text in docs.items():
    words = text.split()
    scores[doc_id] = sum(words.count(t) for t in terms) / len(words)
ranking = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
for doc_id, s in ranking:
    print(doc_id, f"{s:.3f}", docs[doc_id][:20])
print([d for d, s in ranking if s > 0])
