print(min(3, 1, 2), max(3, 1, 2), min([5, 4]), max("abc"))
print(min(["bb", "a", "ccc"], key=len), max(["bb", "a", "ccc"], key=len))
print(min([], default="empty"), max([], default=None))
print(max([1, 3, 3, 2], key=lambda v: v % 3), max([(1, "b"), (1, "a")]))
print(min(1, 2.5), max(-0.5, -1), max([True, 2]))
d = {"x": 3, "y": 7, "z": 7}
print(max(d, key=d.get), min(d, key=d.get), max(d.values()))
for bad in ([], ):
    try:
        max(bad)
    except ValueError as e:
        print(type(e).__name__, e)
try:
    min(1)
except TypeError as e:
    print(type(e).__name__, e)
