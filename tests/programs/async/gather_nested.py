import asyncio
async def leaf(name):
    return f"leaf:{name}"
async def branch(name):
    parts = await asyncio.gather(leaf(name + "1"), leaf(name + "2"))
    return [name, parts]
out = await asyncio.gather(*[branch(n) for n in "ab"])
print(out)
