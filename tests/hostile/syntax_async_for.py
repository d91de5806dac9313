# expect: syntax
async def f(x):
    async with x:
        pass

print("ESCAPED")
