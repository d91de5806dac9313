# expect: memory|collection_length|fuel
# A huge fan-out of sub-model calls through asyncio.gather: the prompts are
# built first (held to the budget and the collection cap), and a host charges
# what it holds for the pending calls to the session (issue #33: 1.4 GB).
import asyncio
prompt = "x" * 1000
results = await asyncio.gather(*[llm_query(prompt + str(i)) for i in range(10**7)])
print("ESCAPED")
