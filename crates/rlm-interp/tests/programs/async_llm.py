import asyncio
r = llm_query("What is 2+2?")
print("sync:", r)
answers = llm_batch(["q1", "q2", "q3"])
print("batch:", answers)
async def ask(q):
    a = await llm_query_async(q)
    return q + " -> " + a
results = await asyncio.gather(*[ask(f"q{i}") for i in range(3)])
print(results)
async def two_step(x):
    first = await llm_query_async("first " + x)
    second = llm_query("second " + first)
    return len(second)
print(await asyncio.gather(two_step("a"), two_step("b")))
direct = await asyncio.gather(*[llm_query_async(p) for p in ["x", "y"]])
print(direct)
chunks = ["alpha", "beta", "gamma"]
summaries = [llm_query(f"Summarize: {c}") for c in chunks]
print(len(summaries), summaries[0])
final = "\n".join(summaries)
FINAL(final)
print("never printed")
