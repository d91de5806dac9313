print(list(enumerate("abc", start=-1)), list(enumerate([], 5)), list(enumerate({"k": 1, "j": 2})))
print(list(enumerate(range(3), 10)), [i * c for i, c in enumerate("xyz", 1)])
for i, (a, b) in enumerate([(1, 2), (3, 4)]):
    print(i, a, b)
print(list(zip([1, 2, 3], "ab")), list(zip()), list(zip([])), list(zip("ab")), list(zip(range(2), "xy", [True, False])))
matrix = [[1, 2, 3], [4, 5, 6]]
print(list(zip(*matrix)), [list(col) for col in zip(*matrix)], list(zip(*zip(*matrix))))
print(dict(zip("abc", range(3))), dict(enumerate("ab")), list(zip({"a": 1, "b": 2}, [9, 8])))
pairs = list(zip([1, 2], [3, 4]))
a, b = zip(*pairs)
print(a, b, list(zip(*[])))
print([(i, x) for i, x in enumerate(zip("ab", "cd"))], sum(x * y for x, y in zip([1, 2], [3, 4])))
xs = [5, 8, 2]
print([b - a for a, b in zip(xs, xs[1:])], list(zip(xs, xs[1:], xs[2:])))
