n = 0
while n < 3:
    print("n", n)
    n += 1
else:
    print("done at", n)
i = 0
while True:
    i += 1
    if i > 4:
        break
print("broke at", i)
j = 10
while j > 0:
    j -= 3
    if j == 4:
        break
else:
    print("no break")
print("j", j)
