# expect: nesting
d = {}
for _ in range(100000):
    d = {"k": d}
print(d)
print("ESCAPED")
