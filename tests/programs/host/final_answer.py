parts = []
for i in range(3):
    parts.append(llm_query(f"chunk {i}"))
result = " / ".join(parts)
print(result)
FINAL(result)
