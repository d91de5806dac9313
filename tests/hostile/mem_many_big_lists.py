# expect: memory
# Each list is under the length cap, but together they exceed the memory budget.
rows = []
while True:
    rows.append(list(range(10000)))
