# expect: fuel
# count() compares every item: charged per item.
lst = list(range(19_000))
while True:
    n = lst.count(-1)
print("ESCAPED")
