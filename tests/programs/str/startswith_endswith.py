s = "filename.txt"
print(s.startswith("file"), s.startswith("name"), s.endswith(".txt"), s.endswith(".py"))
print(s.endswith((".py", ".txt")), s.startswith(("a", "b")))
print(s.startswith("name", 4), s.startswith("name", 4, 6), s.endswith("file", 0, 4))
print(s.startswith(""), s.endswith(""), "".startswith(""))
print(s.endswith("txt", -3), s.startswith("t", -3))
