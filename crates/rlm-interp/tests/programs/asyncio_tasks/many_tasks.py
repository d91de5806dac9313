# Many tasks each yielding twice: every one runs, in order.
import asyncio

order = []


async def step(i):
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    order.append(i)
    return i


async def main():
    ts = [asyncio.create_task(step(i)) for i in range(2000)]
    rs = await asyncio.gather(*ts)
    print(len(rs), sum(rs), order[:5], order == sorted(order))


await main()
