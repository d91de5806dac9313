stats = {"chunks": 3, "answers": llm_batch(["a", "b", "c"])}
print(stats)
FINAL(stats["answers"][0])
