print((1, 2) < (1, 3), (1, 2) < (1, 2, 0), (2,) > (1, 9, 9), () < (0,))
print((1, 2) == (1, 2), (1, 2) == [1, 2], (1,) != (1.0,), (1, "a") <= (1, "a"))
print(("a", 2) < ("b", 1), ("a", 2) < ("a", 1), max([(1, "z"), (2, "a"), (2, "b")]))
print(sorted([(2, "b"), (1, "z"), (2, "a"), (1, "a")]))
print(min((3, 1), (3, 0)), (0, 0) < (0, 0.5), (1, 2, 3) > (1, 2))
try:
    print((1, "a") < (1, 2))
except TypeError as e:
    print(type(e).__name__, e)
try:
    print((1, 2) < [1, 2])
except TypeError as e:
    print(type(e).__name__, e)
print((1, "a") < (2, 2), (None,) == (None,))
