# expect: fuel
# Each slice copies the list: charged per item before the copy (issue #33).
lst = list(range(19_000))
while True:
    t = lst[1:]
print("ESCAPED")
