for width in range(3, 9):
    print(repr("ab".center(width, "*")), repr("abc".center(width, "-")))
print(repr("x".center(0)), repr("xyz".center(2)), repr("".center(3, ".")))
print(repr("7".zfill(3)), repr("-7".zfill(4)), repr("+7".zfill(4)), repr("abc".zfill(5)), repr("-".zfill(3)))
print(repr("ab".ljust(5, "_")), repr("ab".rjust(5, "_")), repr("abc".ljust(2)))
try:
    "x".center(5, "ab")
except TypeError as e:
    print(type(e).__name__, e)
