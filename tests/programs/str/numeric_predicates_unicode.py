for s in ["123", "\u00b2", "\u00bd", "\u0663", "\u2167", "1.5", "-1", "", " 1", "\uff11"]:
    print(repr(s), s.isdigit(), s.isdecimal(), s.isnumeric(), s.isalnum())
for s in ["abc", "ab c", "\u00e9", "\u65e5", "a1", "_", "A_b", "1a", "class", ""]:
    print(repr(s), s.isalpha(), s.isidentifier(), s.islower(), s.isupper(), s.isspace(), s.isascii())
print(" \t\n\r\x0b\x0c".isspace(), "\u3000".isspace(), "\x1c".isspace(), "".isspace())
print("\u00e9".isprintable(), "\n".isprintable(), "".isprintable())
