for s in ["hello world", "HELLO wORLD", "they're", "o'neil mc-donald", "x1y2 3z", "\u00e9cole \u00e9t\u00e9", "", "  a  b  "]:
    print(repr(s.title()), repr(s.capitalize()), repr(s.swapcase()), s.istitle())
print("ß".upper(), "ß".lower(), "ß".casefold(), "Straße".casefold() == "strasse")
print("İ".lower() == "i\u0307", "ǅ".upper(), "ǅ".lower(), "ǆ".title())
print("ABC".lower().upper(), "MiXeD".swapcase().swapcase())
