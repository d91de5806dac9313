# expect: memory
# Each string is under the length cap, but together they exceed the memory budget.
parts = []
while True:
    parts.append("x" * 100000 + str(len(parts)))
