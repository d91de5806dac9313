s = "a,b,c,d"
print(s.rsplit(","), s.rsplit(",", 1), s.rsplit(",", maxsplit=2))
print("  x  y  z  ".rsplit(None, 1))
print("path/to/file.txt".rsplit("/", 1)[-1])
print("name.tar.gz".rsplit(".", 1))
print("".rsplit(), "aaa".rsplit("a"))
