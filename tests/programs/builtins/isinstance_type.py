vals = [1, 1.5, "s", [1], (1,), {1: 2}, {1}, None, True, range(2)]
for v in vals:
    print(repr(v), type(v), isinstance(v, int), isinstance(v, (list, tuple)), isinstance(v, (str, float)))
print(isinstance(True, int), type(True) == bool, type(1) == int, type("x") is str)
print(type(lambda: 0) == type(lambda: 1))
