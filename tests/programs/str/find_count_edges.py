s = "abcabcab"
print(s.find("ab"), s.find("ab", 1), s.find("ab", 1, 4), s.find("ab", -2), s.rfind("ab"), s.rfind("ab", 0, 5))
print(s.find(""), s.find("", 3), s.find("", 8), s.find("", 9), s.rfind(""), s.count(""), "".count(""))
print(s.count("ab"), s.count("ab", 2), s.count("aa"), "aaaa".count("aa"), s.index("c"), s.rindex("c"))
print(s.startswith("bc", 1), s.endswith("ca", 0, 5), s.startswith(("x", "ab")), s.endswith(()))
print("a" in s, "" in s, "abcd" in s, s.find("z"), s.rfind("z"))
try:
    s.index("z")
except ValueError as e:
    print(type(e).__name__, e)
try:
    s.rindex("z")
except ValueError as e:
    print(type(e).__name__, e)
