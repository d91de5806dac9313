# expect: fuel
# Each concatenation copies both lists: charged per item (issue #33).
lst = list(range(9_000))
while True:
    t = lst + lst
print("ESCAPED")
