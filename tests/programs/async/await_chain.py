async def add(a, b):
    return a + b
async def compute():
    x = await add(1, 2)
    y = await add(x, 10)
    return x, y
print(await compute())
async def noop():
    pass
print(await noop())
