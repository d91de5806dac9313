question = "Who won?"
chunks = ["Team A scored 3.", "Team B scored 1."]
for i, chunk in enumerate(chunks):
    prompt = f"""Chunk {i + 1}/{len(chunks)}:
{chunk}

Question: {question}
Answer briefly."""
    print(prompt)
    print("=" * 10)
summary = "\n".join(f"- [{i}] {c[:10]!r}" for i, c in enumerate(chunks))
print(summary)
