a = "abc"
b = "ab" + "c"
print(a == b, a != "abd", a < "abd", "Abc" < "abc", "" < "a")
s = ""
for i in range(5):
    s += str(i)
print(s)
s2 = "x"
s2 *= 4
print(s2)
print("10" < "9", 10 < 9, "a" * 2 == "aa")
