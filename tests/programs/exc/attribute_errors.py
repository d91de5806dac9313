tests = [lambda: "s".foo, lambda: [1].push(2), lambda: {}.has_key("a"), lambda: (1,).append(2), lambda: (5).real.nothing, lambda: None.x, lambda: {1}.append(1), lambda: "s".startwith("s")]
for t in tests:
    try:
        t()
    except AttributeError as e:
        print(type(e).__name__, e)
