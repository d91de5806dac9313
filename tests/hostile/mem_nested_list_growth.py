# expect: memory|collection_length
# Lists of lists, each level a fresh copy of the previous one.
grid = [[0] * 1000]
while True:
    grid = grid + [row[:] for row in grid]
