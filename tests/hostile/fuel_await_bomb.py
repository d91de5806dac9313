# expect: fuel|recursion
# Coroutines awaiting coroutines forever, sequentially.
import asyncio
async def spin(n):
    return n + 1
async def main():
    n = 0
    while True:
        n = await spin(n)
await main()
print("ESCAPED")
