print("\N{BULLET} \N{EM DASH} \N{greek small letter alpha}\N{Greek Capital Letter Omega}")
print(len("\N{SNOWMAN}"), "\N{LATIN SMALL LETTER E WITH ACUTE}" == "é", ord("\N{NO-BREAK SPACE}"))
name = "x"
print(f"{name}\N{RIGHTWARDS ARROW}{name!r}", r"\N{BULLET}", "a\N{SPACE}b")
print("""\N{CHECK MARK} done""", '\N{DIGIT ONE}' + "\N{LATIN CAPITAL LETTER A}")
print("\N{LATIN CAPITAL LETTER GHA}", "\N{BYTE ORDER MARK}" == "\ufeff")
