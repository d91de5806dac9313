# expect: fuel
# A failed find scans the whole string: charged per byte.
s = "ab" * 150_000
while True:
    i = s.find("zz")
print("ESCAPED")
