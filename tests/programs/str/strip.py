s = "  \t hello world \n "
print(repr(s.strip()), repr(s.lstrip()), repr(s.rstrip()))
print("xxhixx".strip("x"), "xxhixx".lstrip("x"), "xxhixx".rstrip("x"))
print("www.example.com".strip("cmowz."))
print("abcba".strip("ab"), "...done!!".rstrip("!."), repr("".strip()))
print(repr("   ".strip()), "a".strip("abc") == "")
