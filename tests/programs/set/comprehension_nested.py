grid = [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
print({v for row in grid for v in row})
print({v for row in grid for v in row if v % 2 == 0})
print(sorted({(i, j) for i in range(3) for j in range(i)}))
print({len(w) for w in ["a", "bb", "cc", "ddd"]})
print(sorted({c for w in ["hi", "ho"] for c in w}))
print({x % 3 for x in range(10)} == set(range(3)))
evens = {x for x in range(10) if x % 2 == 0}
odds = {x for x in range(10)} - evens
print(evens, odds, evens | odds == set(range(10)))
