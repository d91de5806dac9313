s = "hello world, hello moon"
print(s.find("hello"), s.find("hello", 1), s.find("hello", 1, 10), s.find("xyz"))
print(s.rfind("hello"), s.rfind("o"), s.rfind("o", 0, 5), s.rfind("zz"))
print(s.index("world"), s.rindex("l"))
print(s.find(""), s.rfind(""), s.find("", 100))
print(s.find("o", -5), s.find("h", -100))
try:
    s.index("xyz")
except ValueError as e:
    print(type(e).__name__, e)
try:
    s.rindex("xyz")
except ValueError as e:
    print(type(e).__name__, e)
