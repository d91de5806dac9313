# Turn 2 of the needle task: the context is far larger than one sub-model call,
# so split it into overlapping chunks (a sentence cut at one chunk's end is whole
# in the next), ask the sub-model about every chunk in parallel batches, and keep
# the replies that found something.
QUESTION = "What is the special magic number for crimson-falcon?"
CHUNK = 100000
OVERLAP = 1000
BATCH = 64

chunks = ctx.chunk(CHUNK, OVERLAP)
print(f"{len(chunks)} chunks of up to {CHUNK} characters")
found = []
for start in range(0, len(chunks), BATCH):
    prompts = []
    for chunk in chunks[start:start + BATCH]:
        prompts.append(
            "Answer the question using only the text below. If the text does not "
            + "contain the answer, reply NOT FOUND.\n"
            + f"Question: {QUESTION}\n\nText:\n{chunk}"
        )
    replies = llm_batch(prompts)
    for i, reply in enumerate(replies):
        reply = reply.strip()
        if reply and "NOT FOUND" not in reply:
            found.append((start + i, reply))
print(f"chunks with an answer: {[i for i, _ in found]}")
answers = sorted(set(reply for _, reply in found))
if len(answers) > 1:
    print(f"conflicting answers: {answers}")
FINAL(found[0][1] if found else "NOT FOUND")
