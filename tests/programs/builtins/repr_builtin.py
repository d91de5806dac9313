print(repr(1), repr("a"), repr([1, "a"]), repr((1,)), repr({"a": None}), repr(1.0), repr(True))
print(repr(range(3)), repr(set()), repr(-0.0), repr("'"), repr('"'), repr("'\""))
print(ascii("é"), ascii("abc"), ascii(["ü"]), ascii("😀"))
print(f"{'x'!r}", "%r" % "x")
