# `%`-formatting copies the literal text between directives whole: non-ASCII
# text around directives, a non-ASCII conversion character (its index counted
# in characters), keys with non-ASCII names, and the incomplete forms.
cases = [
    ("héllo %s wörld %d ✓", ("x", 3)),
    ("%s", ("",)),
    ("ünïcode only, no directive", ()),
    ("100%% of %s", ("it",)),
    ("%(naïve)s and %(b)d", {"naïve": "ok", "b": 2}),
    ("ab%é", (1,)),
    ("日本%ü", (1,)),
    ("x%y", (1,)),
    ("x%", (1,)),
    ("%(unclosed", {"a": 1}),
    ("%5", (1,)),
    ("%.", (1,)),
    ("%-5s|%05.1f|%x", ("é", 2.25, 255)),
    ("%s %s", ("only one",)),
    ("%s", ("a", "b")),
    ("tail %s ü", ("é",)),
]
for fmt, args in cases:
    try:
        print(repr(fmt), repr(fmt % args))
    except Exception as e:
        print(repr(fmt), type(e).__name__, e)
