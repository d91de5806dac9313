import functools
print(functools.reduce(lambda a, b: a + b, [1, 2, 3, 4]))
print(functools.reduce(lambda a, b: a * b, range(1, 6), 1))
print(functools.reduce(lambda acc, w: acc + len(w), ["ab", "c"], 0))
print(functools.reduce(max, [3, 9, 2]), functools.reduce(lambda a, b: a + b, [], "init"))
print(functools.reduce(lambda d, kv: {**d, kv[0]: kv[1]}, [("a", 1), ("b", 2)], {}))
try:
    functools.reduce(lambda a, b: a, [])
except TypeError as e:
    print(type(e).__name__, e)
