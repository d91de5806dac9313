s = "a\tbc\tdef\tg"
print(repr(s.expandtabs()))
print(repr(s.expandtabs(4)))
print(repr(s.expandtabs(1)), repr(s.expandtabs(0)))
print(repr("x\ny\tz".expandtabs(3)))
