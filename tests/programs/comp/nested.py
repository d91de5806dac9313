matrix = [[1, 2, 3], [4, 5, 6]]
print([[row[i] for row in matrix] for i in range(3)])
print([n for row in matrix for n in row if n % 2])
print({(r, c): matrix[r][c] for r in range(2) for c in range(3) if r == c})
print(sorted({n % 4 for row in matrix for n in row}))
words = ["hello", "world"]
print([[c for c in w if c in "aeiou"] for w in words])
print([(i, j, k) for i in range(2) for j in range(2) for k in range(2) if i + j + k == 2])
