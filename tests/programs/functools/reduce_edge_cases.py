from functools import reduce
print(reduce(lambda a, b: a + b, [42]))
print(reduce(lambda a, b: a + b, [], 0), reduce(lambda a, b: a + b, [], "empty"))
print(reduce(lambda a, b: a + b, ["a", "b", "c"]), reduce(lambda a, b: b + a, "abc"))
print(reduce(lambda acc, x: acc + [x * 2], [1, 2, 3], []))
print(reduce(lambda a, b: a if a >= b else b, [3, 7, 2, 7]))
print(reduce(lambda a, b: a * b, range(1, 11)))
print(reduce(lambda acc, ch: acc * 10 + int(ch), "12345", 0))
print(reduce(lambda acc, x: (acc[0] + x, acc[1] + 1), [4, 5, 6], (0, 0)))
print(reduce(lambda a, b: a & b, [{1, 2, 3}, {2, 3}, {3, 2, 9}]))
print(reduce(lambda a, b: {**a, **b}, [{"x": 1}, {"y": 2}, {"x": 3}]))
print(reduce(lambda a, b: a + b, (x * x for x in range(4))))
print(reduce(lambda a, b: a + b, {"k1": 1, "k2": 2}))
try:
    reduce(lambda a, b: a + b, [])
except TypeError as e:
    print(type(e).__name__, e)
try:
    reduce(lambda a, b: a + b, [1, "x"])
except TypeError as e:
    print(type(e).__name__, e)
