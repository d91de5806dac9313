s = "prefix-body-suffix"
print(s.removeprefix("prefix-"), s.removesuffix("-suffix"), s.removeprefix("nope"), s.removesuffix(""))
print("aaa".removeprefix("a"), "aaa".lstrip("a"), "abcab".removesuffix("ab"), "abcab".rstrip("ab"))
print("www.example.com".strip("cmowz."), "  x  ".strip(), "xxhixx".strip("x"), "--a-b--".strip("-"))
print("line\n".rstrip("\n"), repr("\t a \n".lstrip()), repr("a".strip("")), repr("".strip()))
print("report.final.txt".rsplit(".", 1), "a.b.c".split(".", 1), "k=v=w".split("=", maxsplit=1))
