# expect: nesting
x = []
y = []
for _ in range(5000):
    x = [x]
    y = [y]
print([y, 1].count(x))
print("ESCAPED")
