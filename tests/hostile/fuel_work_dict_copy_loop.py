# expect: fuel
# d.copy() rehashes every entry: charged per entry (issue #33).
d = {i: i for i in range(19_000)}
while True:
    e = d.copy()
print("ESCAPED")
