# expect: fuel
# Awaited gathers and wait_fors in an endless loop: each leaves finished child
# tasks behind. Kept, they made every scheduling step scan all of them (80,000
# rounds took 42 s on 5.2 M fuel) and held memory outside the count (issue #53).
import asyncio


async def one():
    return 1


async def main():
    t = 0
    while True:
        t += (await asyncio.gather(one(), one()))[0]
        t += await asyncio.wait_for(one(), 1)


asyncio.run(main())
print("ESCAPED")
