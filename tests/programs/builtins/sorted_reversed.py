print(sorted([3, 1, 2]), sorted([3, 1, 2], reverse=True))
print(sorted(["bb", "a", "ccc"], key=len), sorted("Hello", key=str.lower))
print(list(reversed([1, 2, 3])), list(reversed(range(4))), list(reversed((1, 2))))
print(sorted({3: "c", 1: "a"}.items()), sorted([]))
try:
    sorted([1, "a"])
except TypeError as e:
    print(type(e).__name__, e)
