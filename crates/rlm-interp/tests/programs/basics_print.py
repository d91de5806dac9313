print(1, 2, 3, sep="-", end="!\n")
print()
print(None, True, False, 0, -7, 3.0, -0.0, 1/3, 2**62, 10**15, 1e22, 1.5e-9, 123456789.123)
print(repr("it's"), repr('say "hi"'), repr('both \' and "'), repr("tab\there\nnl"), repr("\x00\x7f\u00e9\u200b"))
print([1, [2, [3]]], (1,), (), {"a": 1, 2: [3]}, set(), {1}, frozenset({2}))
print(str(3.0), str(1e100), str(float("nan")), str(-float("inf")), 0.1 * 3, 1e16, 123e-20)
print(type(1), type("s"), type([]), type({}), type(None), type(print), type(len(("a",))))
x = 5
print(f"{x}", f"{x!r}", f"{x=}", f"{x + 1 = }", f"{'s'!r:>6}")
