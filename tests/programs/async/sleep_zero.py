import asyncio
async def step(i):
    await asyncio.sleep(0)
    return i * i
print(await asyncio.gather(*(step(i) for i in range(5))))
