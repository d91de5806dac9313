# (float sums whose rounding changed in CPython 3.12 are left out on purpose)
print(sum([0.5] * 10), sum([0.25, 0.25]) == 0.5, sum([1, 2.5]), sum([True, True, False]), sum([]))
print(sum(range(5), 10), sum([], 0.0), sum([[1], [2, 3]], []), sum([(1,), (2,)], ()), sum([-1, 1]))
print(sum(x for x in range(4)), sum({1: "a", 2: "b"}), sum({3, 4}))
print(sum([0.5, 0.25], start=1), sum(map(len, ["ab", "c"])), sum(1 for c in "banana" if c == "a"))
try:
    sum(["a", "b"], "")
except TypeError as e:
    print(type(e).__name__, e)
try:
    sum([1, None])
except TypeError as e:
    print(type(e).__name__, e)
