# expect: syntax
async def f(x):
    async for y in x:
        pass

print("ESCAPED")
