# expect: fuel
# startswith with a long prefix compares it byte by byte: charged per byte.
s = "x" * 300_000
p = s[:-1]
while True:
    b = s.startswith(p)
print("ESCAPED")
