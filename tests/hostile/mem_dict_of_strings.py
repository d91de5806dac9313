# expect: memory
d = {}
i = 0
while True:
    d[i] = str(i) * 100000
    i += 1
