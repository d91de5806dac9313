import asyncio
async def main():
    values = await asyncio.gather(square(2), square(3))
    return sum(values)
async def square(n):
    return n * n
print(asyncio.run(main()))
