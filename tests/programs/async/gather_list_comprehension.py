import asyncio
async def summarize(chunk):
    return f"{len(chunk)} chars starting {chunk[:5]!r}"
chunks = ["alpha beta", "gamma delta epsilon", "zeta"]
summaries = await asyncio.gather(*[summarize(c) for c in chunks])
for i, s in enumerate(summaries):
    print(i, s)
print(len(summaries))
