a = {"x": 1, "y": 2}
b = {"y": 20, "z": 30}
print(a | b, b | a)
a |= {"w": 0}
print(a)
print({**a, **b}, {**b, "extra": True})
print(a == {"w": 0, "x": 1, "y": 2}, a != b)
print("x" in a, 1 in a, "x" not in b)
