# expect: nesting
d = {}
for _ in range(5000):
    d = {"k": d}
print(d)
print("ESCAPED")
