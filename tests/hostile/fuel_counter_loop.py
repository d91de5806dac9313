# expect: fuel
# A loop whose condition is always true but not obviously so.
i = 0
while i >= 0:
    i = (i + 1) % 1000
print("ESCAPED")
