print(list(zip([1, 2, 3], "abc")))
print(list(zip([1, 2, 3], "ab")), list(zip()), list(zip([1])))
print(list(zip(range(3), range(10, 13), range(20, 23))))
names, ages = zip(*[("a", 1), ("b", 2)])
print(names, ages)
print(dict(zip(["k1", "k2"], [1, 2])))
try:
    list(zip([1, 2], [1], strict=True))
except ValueError as e:
    print(type(e).__name__, e)
