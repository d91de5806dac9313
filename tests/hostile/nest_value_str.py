# expect: nesting
x = []
for _ in range(20000):
    x = [x]
s = str(x)
print("ESCAPED", len(s))
