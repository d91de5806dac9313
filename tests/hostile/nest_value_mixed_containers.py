# expect: nesting
x = 0
for i in range(5000):
    if i % 3 == 0:
        x = [x]
    elif i % 3 == 1:
        x = {"k": x}
    else:
        x = (x, i)
print(x)
print("ESCAPED")
