import asyncio
async def tag(i, text):
    return {"i": i, "text": text.upper()}
items = ["b", "a", "c"]
out = await asyncio.gather(*[tag(i, t) for i, t in enumerate(items)])
print([o["text"] for o in out], [o["i"] for o in out])
