# asyncio.Queue keeps its maxsize as given: a float is compared as CPython compares
# it (qsize() >= maxsize), so 1.3 holds two items; 0, negatives, nan and inf never fill.
import asyncio

q = asyncio.Queue(maxsize=1.3)
q.put_nowait(1)
q.put_nowait(2)
print(q.full(), q.maxsize, q.qsize())
try:
    q.put_nowait(3)
except asyncio.QueueFull:
    print("full at", q.qsize())
for size in [0.5, -2.5, float("inf"), float("nan"), True, 0, 2]:
    q = asyncio.Queue(size)
    q.put_nowait("a")
    print(repr(size), q.maxsize, q.full())


async def main():
    q = asyncio.Queue(maxsize=1.3)
    await q.put(1)
    await q.put(2)
    print(q.full(), q.get_nowait(), q.full())


await main()
