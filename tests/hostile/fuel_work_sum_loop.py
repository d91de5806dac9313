# expect: fuel
# sum(lst) reads every item: charged per item before it starts (issue #33).
lst = list(range(19_000))
while True:
    n = sum(lst)
print("ESCAPED")
