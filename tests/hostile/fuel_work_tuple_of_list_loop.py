# expect: fuel
# tuple(lst) copies every item: charged per item before the copy (issue #33).
lst = list(range(19_000))
while True:
    t = tuple(lst)
print("ESCAPED")
