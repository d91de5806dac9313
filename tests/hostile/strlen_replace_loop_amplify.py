# expect: string_length|memory
# Each pass multiplies the length by four.
s = "a"
for _ in range(100):
    s = s.replace("a", "aaaa")
print("ESCAPED", len(s))
