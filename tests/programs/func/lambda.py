sq = lambda x: x * x
print(sq(7), (lambda: "noargs")(), (lambda a, b=2: a + b)(1))
print((lambda *a, **k: (a, k))(1, z=2))
pairs = [(1, "one"), (3, "three"), (2, "two")]
print(sorted(pairs, key=lambda p: p[1]))
print(list(map(lambda s: s[::-1], ["ab", "cd"])))
compose = lambda f, g: lambda x: f(g(x))
print(compose(sq, lambda x: x + 1)(3))
