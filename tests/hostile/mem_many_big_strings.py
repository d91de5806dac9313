# expect: memory
# Each string is under the length cap, but together they exceed the memory budget.
parts = []
while True:
    parts.append("x" * 1000000 + str(len(parts)))
