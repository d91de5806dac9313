pair = (1, 2, 3)
print(len(pair))
a, b = pair
