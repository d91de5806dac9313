samples = ["Ⅻ", "ⅷ", "中文", "ǅ", "ǈ", "ᾈ", "ﬁ", "ß", "①", "⑽", "๓", "߃", "𝟘", "²³", "¼", "〇", "六", "ⅯⅯ", "ǆungla", "x²", "é", "e\u0301", "ʰ", "ª", "_", "Ⅻa"]
for s in samples:
    print(repr(s), s.isalpha(), s.isalnum(), s.isdigit(), s.isdecimal(), s.isnumeric(), s.isupper(), s.islower(), s.istitle())
for s in ["中a 中b", "ǆabc ǆ", "ﬁsh ﬂow", "ßa", "ᾀ ᾳ", "x1y ǲ", "ǅ", "hello ǈ world", "ŉ", "ΐ"]:
    print(repr(s.title()), repr(s.capitalize()), repr(s.swapcase()), s.title().istitle())
for f in [lambda: "ⅻ".isidentifier(), lambda: int("١٢"), lambda: float("١.٥"), lambda: int("٣", 16), lambda: float(" ٣ "), lambda: int("\u2003७\u2003"), lambda: int("1²"), lambda: float("½")]:
    try:
        print(f())
    except ValueError as e:
        print(type(e).__name__, e)
