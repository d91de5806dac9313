# expect: collection_length|fuel
# asyncio.gather over 10**9 coroutines.
import asyncio
async def one(i):
    return i
async def main():
    return await asyncio.gather(*[one(i) for i in range(10**9)])
await main()
