prompts = [f"Summarize part {i}" for i in range(4)]
replies = llm_batch(prompts)
print(replies, len(replies))
print(list(zip(range(4), replies)))
print(llm_batch([]))
