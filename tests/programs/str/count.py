s = "banana bandana"
print(s.count("a"), s.count("an"), s.count("ana"), s.count("x"))
print(s.count("a", 5), s.count("a", 0, 6), s.count(""))
print("aaaa".count("aa"), "".count(""), "abc".count("", 1))
