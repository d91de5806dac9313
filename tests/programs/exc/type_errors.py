tests = [
    lambda: len(5), lambda: "a" + 5, lambda: [1, 2] * [3], lambda: {1: 2} + {3: 4},
    lambda: sorted([3, None]), lambda: sum("ab"), lambda: int([1]), lambda: abs("x"),
    lambda: (1, 2) + [3], lambda: "abc"[len("x") * 1.0], lambda: {[1, 2]}, lambda: max(1, "a"),
    lambda: "x".join("ab", "c"), lambda: "{}".format, lambda: range(1.5), lambda: chr("a"), lambda: "x".center(5, "ab"),
]
for t in tests:
    try:
        r = t()
        print("ok", callable(r))
    except TypeError as e:
        print(type(e).__name__, e)
