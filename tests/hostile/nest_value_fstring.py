# expect: nesting
x = []
for _ in range(20000):
    x = [x]
s = f"{x}"
print("ESCAPED", len(s))
