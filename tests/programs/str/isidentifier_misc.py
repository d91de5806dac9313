for s in ["abc", "_x", "1a", "a b", "", "ü", "x1"]:
    print(repr(s), s.isidentifier(), s.isprintable(), s.isascii())
print("\n".isprintable(), "é".isascii())
