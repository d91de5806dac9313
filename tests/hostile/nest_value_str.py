# expect: nesting
x = []
for _ in range(100000):
    x = [x]
s = str(x)
print("ESCAPED", len(s))
