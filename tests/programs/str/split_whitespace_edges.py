print("  a  b\tc\n\nd  ".split(), "  a  b  ".split(" "), "".split(), "".split(","))
print("a,,b,".split(","), ",".split(","), "abc".split("abc"), "a b c".split(None, 1))
print("  a b c  ".split(maxsplit=1), "  a b c  ".rsplit(maxsplit=1), "a\u3000b\x1cc".split())
print("1\r\n2\n3\r4".splitlines(), "x\n".splitlines(), "x\n".split("\n"), "a\n\nb".splitlines(True))
try:
    "a b".split("")
except ValueError as e:
    print(type(e).__name__, e)
