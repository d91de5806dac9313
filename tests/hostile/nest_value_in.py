# expect: nesting
x = []
y = []
for _ in range(5000):
    x = [x]
    y = [y]
print(x in [0, y])
print("ESCAPED")
