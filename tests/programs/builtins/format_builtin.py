print(format(3.14159, ".2f"), format(42, "05d"), format(255, "x"), format(255, "#b"))
print(format("abc", ">6"), format(1234567, ","), format(0.25, "%"), format(12, ""))
print(repr(format("x")), format(True), format(None), format(3.0))
print(format(-5, "+"), format(5, "+"), format(5, " "), format(1e10, "g"))
