tests = [lambda: int("12a"), lambda: int("1.0"), lambda: float("one"), lambda: [1, 2].index(3), lambda: "abc".index("d"), lambda: "a b".split(""), lambda: chr(1114112), lambda: list(range(3)).remove(7), lambda: int("10", 1), lambda: (1, 2).index(5)]
for t in tests:
    try:
        t()
    except ValueError as e:
        print(type(e).__name__, e)
