# expect: fuel
# format() with a 4-byte fill character: 200 000 characters are 800 000
# bytes. Fuel and memory must count the bytes, not only the characters.
n = 0
while True:
    n += len(format("x", "\U0010ffff>200000"))
print("ESCAPED", n)
