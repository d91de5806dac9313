# expect: fuel
# Each slice copies the string: charged per byte before the copy (issue #33).
s = "x" * 300_000
while True:
    t = s[1:]
print("ESCAPED")
