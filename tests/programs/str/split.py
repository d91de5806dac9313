s = "a,b,,c,"
print(s.split(","))
print(s.split(",", 1), s.split(",", maxsplit=2))
print("  many   spaces here  ".split())
print("  many   spaces here  ".split(None, 1))
print("a b c".split(" ", 0), "".split(), "".split(","))
print("x--y--z".split("--"), "abc".split("abc"))
print("one\ttwo\nthree".split())
print("a,b,c".split(",", -1))
