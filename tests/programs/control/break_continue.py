for i in range(10):
    if i % 2 == 0:
        continue
    if i > 7:
        break
    print(i)
for i in range(3):
    for j in range(3):
        if j == i:
            continue
        if j > 1:
            break
        print(i, j)
k = 0
while k < 10:
    k += 1
    if k % 3:
        continue
    print("k", k)
