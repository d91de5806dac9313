# expect: fuel
# %-formatting with a wide field, discarded each round.
n = 0
while True:
    n += len("%200000s" % "x")
print("ESCAPED", n)
