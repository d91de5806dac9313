# expect: fuel
# str.format with a wide centred field, discarded each round.
n = 0
while True:
    n += len("{:^200000}".format("x"))
print("ESCAPED", n)
