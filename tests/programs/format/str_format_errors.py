cases = [lambda: "{}{}".format(1), lambda: "{x}".format(y=1), lambda: "{0} {}".format(1, 2), lambda: "{:d}".format("s"), lambda: "{:.2f}".format("s"), lambda: "{".format(1), lambda: "{:x}".format(1.5), lambda: "{2}".format(1, 2)]
for c in cases:
    try:
        print(c())
    except Exception as e:
        print(type(e).__name__, e)
