# expect: fuel
# set(lst) hashes and inserts every item: charged per item (issue #33).
lst = list(range(19_000))
while True:
    s = set(lst)
print("ESCAPED")
