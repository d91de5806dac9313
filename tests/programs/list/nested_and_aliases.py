grid = [[r * 3 + c for c in range(3)] for r in range(3)]
print(grid)
print([row[1] for row in grid])
print([list(col) for col in zip(*grid)])
flat = [x for row in grid for x in row]
print(flat, sum(flat))
alias = grid[0]
alias.append(99)
print(grid[0])
