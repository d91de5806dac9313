five = 5
nothing = None
text = "abc"
checks = [
    lambda: {"a": 1}["b"],
    lambda: [1, 2][5],
    lambda: int("abc"),
    lambda: 1 / 0,
    lambda: 1 // 0,
    lambda: 1 % 0,
    lambda: 1.0 / 0,
    lambda: "a" + 1,
    lambda: 1 + "a",
    lambda: [1] + "a",
    lambda: "a" * "b",
    lambda: None + 1,
    lambda: five[0],
    lambda: nothing[0],
    lambda: five(),
    lambda: text(),
    lambda: "x".nope,
    lambda: [].nope,
    lambda: undefined_name,
    lambda: -"a",
    lambda: "a" < 1,
    lambda: [] < {},
    lambda: {}.get(),
    lambda: (1, 2)[0:1][3],
    lambda: "abc".index("z"),
    lambda: float("x1"),
]
for c in checks:
    try:
        c()
    except Exception as e:
        print(type(e).__name__, e)
