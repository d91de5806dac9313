s = "one two one two one"
print(s.replace("one", "1"))
print(s.replace("one", "1", 1), s.replace("one", "1", 2))
print(s.replace("three", "3"))
print("abc".replace("", "-"))
print("aaa".replace("a", "aa"), "aaa".replace("aa", "b"))
print(s.replace("one", "1", 0), s.replace("one", "1", -1))
print("x".replace("x", ""))
