grid = {}
for r in range(2):
    for c in range(3):
        grid[(r, c)] = r * 10 + c
print(grid)
print(grid[(1, 2)], grid.get((5, 5), "missing"), (0, 1) in grid)
counts = {}
for pair in [("a", 1), ("b", 2), ("a", 1)]:
    counts[pair] = counts.get(pair, 0) + 1
print(counts)
print(sorted({(2, 1), (1, 2), (1, 1)}))
print((1, 2) in [(1, 2), (3, 4)], (1, 2) in [[1, 2]], 2 in (1, 2, 3))
print(("x",) in {("x",): 1}, [k for k in grid if k[0] == 0])
