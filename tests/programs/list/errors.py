xs = [1, 2, 3]
tests = [lambda: xs.remove(9), lambda: xs.index(9), lambda: [].pop(), lambda: xs.pop(10), lambda: xs[10], lambda: xs + (1,), lambda: xs * 1.5, lambda: xs.index(1, 1)]
for t in tests:
    try:
        t()
    except Exception as e:
        print(type(e).__name__, e)
