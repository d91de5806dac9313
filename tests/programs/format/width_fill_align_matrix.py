for align in "<>^=":
    for fill in " *0":
        spec = fill + align + "8"
        print(repr(spec), "[" + format(-42, spec) + "]", "[" + format(3.5, spec) + "]")
for align in "<>^":
    print("[" + format("ab", "_" + align + "7") + "]")
