import string
print(string.capwords("hello world"))
print(string.capwords("  leading and   inner   spaces  "))
print(string.capwords("they're bill's friends"), "they're bill's friends".title())
print(string.capwords("a-b-c", "-"), string.capwords("x,y, z", ","))
print(string.capwords("MIXED case WORDS"), repr(string.capwords("")))
print(string.capwords("tab\tsep\nnew"))
