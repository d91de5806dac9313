# expect: memory
# Each closure keeps its own 100k-character string alive.
keep = []
i = 0
while True:
    big = str(i) + "z" * 100000
    keep.append(lambda big=big: len(big))
    i += 1
