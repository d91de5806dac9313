docs = ["doc A about cats", "doc B about dogs", "doc C about cats and dogs"]
prompts = [f"Does this mention cats? {d}" for d in docs]
replies = llm_batch(prompts)
relevant = [d for d, r in zip(docs, replies) if r.strip().lower() == "ok"]
print(len(relevant), relevant[0])
summary = llm_query("Combine: " + "; ".join(relevant))
print(f"summary={summary!r}")
FINAL(f"{len(relevant)} docs: {summary}")
