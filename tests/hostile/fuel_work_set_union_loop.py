# expect: fuel
# a | b hashes every item of both: charged per item.
a = set(range(9_000))
b = set(range(9_000, 18_000))
while True:
    c = a | b
print("ESCAPED")
