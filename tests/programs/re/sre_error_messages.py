import re
patterns = ["a)", ")", "*a", "a|*", "(*)", "a{2}{3}", "a?*", "[z-a]", "\\q", "[\\q]", "x(?P<1a>y)", "(?<n>x)",
            "(?P<n>x", "(?P=m)", "\\1", "[", "[]", "[^]", "a{3,2}", "(?", "(?x", "\\", "(?P<n", "[a-\\d]",
            "(?<!a*)", "+", "?", "(?#abc", "\\k<n>", "\\p{L}", "a(?i)b", "(?P>n)", "(a)(b)\\3", "((a)\\1)",
            "\\x4", "\\u12", "[\\d-z]", "(?P<>x)", "a{,3}b", "{", "a{1", "(?i)(?m)x", "[]a]", "x{2,1}"]
for p in patterns:
    try:
        re.compile(p)
        print("ok", repr(p))
    except re.error as e:
        print(repr(p), "->", e)
for t in ["\\2", "x\\2", "\\g<2>", "\\g<1>\\1"]:
    try:
        print(repr(t), re.sub("(a)", t, "a"))
    except re.error as e:
        print(repr(t), "->", e)
