d = {1: "int", 1.5: "float", "1": "str", (1, 2): "tuple", None: "none", True: "bool?"}
print(d)
print(d[1], d[1.0], len(d))
d2 = {0: "a", False: "b", 0.0: "c"}
print(d2)
print(list({"b": 1, "a": 2}.items())[0])
