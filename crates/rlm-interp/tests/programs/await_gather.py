import asyncio
# fast-rlm's convention: llm_query is awaited
r = await llm_query("What is 2+2?")
print("awaited:", r, len(r))
# gathered: one batch of concurrent calls
prompts = [f"q{i}" for i in range(4)]
rs = await asyncio.gather(*[llm_query(p) for p in prompts])
print("gathered:", rs, len(rs))
rs = await asyncio.gather(llm_query("a"), llm_query(prompt="b"))
print("listed:", rs)
rs = await asyncio.gather(*(llm_query(p) for p in "xyz"), return_exceptions=True)
print("generator:", rs)
# the batch, awaited
print("batch:", await llm_batch(["p", "q"]))
print("batch async:", await llm_query_batch_async(["p"]))
# the paper's convention: a plain call is a str
s = llm_query("plain")
print("plain:", s.upper(), s + "!", s == r)
async def worker(p):
    a = await llm_query(p)
    b = llm_query("then " + a)
    return a + "/" + b
print(await asyncio.gather(*[worker(p) for p in "mn"]))
print(await asyncio.gather())
