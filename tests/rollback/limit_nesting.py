x = []
for i in range(200):
    x = [x]
print(repr(x)[:10])
