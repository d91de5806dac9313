for i, x in enumerate("abc"):
    print(i, x)
print(list(enumerate(["x", "y"], start=1)), list(enumerate([], 5)))
print(list(enumerate("ab", -2)))
for n, (a, b) in enumerate([(1, 2), (3, 4)]):
    print(n, a + b)
