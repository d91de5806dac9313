import asyncio
async def double(x):
    return x * 2
results = await asyncio.gather(double(1), double(2), double(3))
print(results)
print(await double(21))
