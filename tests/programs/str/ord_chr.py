print(ord("a"), ord("A"), ord("0"), ord(" "), ord("é"), ord("中"), ord("😀"))
print(chr(97), chr(65), chr(8364), chr(128512), repr(chr(0)), repr(chr(10)))
print("".join(chr(ord(c) + 1) for c in "HAL"))
try:
    ord("ab")
except TypeError as e:
    print(type(e).__name__, e)
try:
    chr(-1)
except ValueError as e:
    print(type(e).__name__, e)
