def ask(question, text):
    reply = llm_query(f"{question}\n---\n{text}")
    return reply.strip()
results = {name: ask("Is it positive?", body) for name, body in [("r1", "great"), ("r2", "bad")]}
print(results)
print(all(v == "ok" for v in results.values()))
