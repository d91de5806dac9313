# expect: memory
# Each closure keeps its own 1M-character string alive.
keep = []
i = 0
while True:
    big = str(i) + "z" * 1000000
    keep.append(lambda big=big: len(big))
    i += 1
