# expect: fuel
# hash(t) reads every item: charged per item before hashing (issue #33).
t = tuple(range(19_000))
while True:
    h = hash(t)
print("ESCAPED")
