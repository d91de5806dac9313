# expect: nesting
x = []
for _ in range(100000):
    x = [x]
s = f"{x}"
print("ESCAPED", len(s))
