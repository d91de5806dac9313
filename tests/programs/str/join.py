print(",".join(["a", "b", "c"]), "".join(["x", "y"]), " - ".join([]))
print("-".join("abc"), "\n".join(["l1", "l2"]))
print(", ".join(str(i) for i in range(5)))
print("|".join(("t", "u")), "+".join({"k1": 1, "k2": 2}))
try:
    ",".join([1, 2])
except TypeError as e:
    print(type(e).__name__, e)
