# expect: recursion|nesting|fuel|memory
# A coroutine awaiting a coroutine awaiting ... 10**6 deep, built before any
# of them runs; awaiting the top walks every level (and an un-awaited chain
# must also be dropped without a native recursion per level).
async def leaf():
    return 1
async def wrap(c):
    return await c
c = leaf()
for _ in range(10**6):
    c = wrap(c)
print(await c)
print("ESCAPED")
