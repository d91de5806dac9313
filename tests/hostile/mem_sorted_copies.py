# expect: memory
base = list(range(500000))
keep = []
while True:
    keep.append(sorted(base))
