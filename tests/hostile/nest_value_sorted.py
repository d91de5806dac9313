# expect: nesting
x = []
y = []
for _ in range(5000):
    x = [x]
    y = [y]
print(len(sorted([x, y])))
print("ESCAPED")
