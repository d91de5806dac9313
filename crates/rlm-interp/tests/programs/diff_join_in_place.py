# `sep.join(list or tuple)` reads the items where they lie; the result's
# length, code-point count and ASCII flag are summed from the parts'.
print(",".join(["a", "é", "日本"]), "-".join(("x",)), "".join([]), "é".join(["a", "b"]))
print(", ".join(str(i) for i in range(5)), "|".join({"k": 1, "j": 2}), len("é".join(["ab"] * 3)))
try:
    ",".join(["a", 1])
except TypeError as e:
    print(e)
try:
    ",".join(("a", None))
except TypeError as e:
    print(e)
s = "ü".join(["x"] * 3)
print(s, len(s), s.upper(), s[2:4])
