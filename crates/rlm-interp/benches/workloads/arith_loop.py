total = 0
for i in range(300000):
    if i % 3 == 0:
        total += i * 2
    else:
        total -= 1
print(total)
