# expect: fuel
# lower() decodes and writes every character: charged per byte.
s = "AB" * 150_000
while True:
    t = s.lower()
print("ESCAPED")
