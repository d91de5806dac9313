def show(thunk):
    try:
        print("ok", thunk())
    except Exception as e:
        print(type(e).__name__, e)

show(lambda: (1,) + (2,))
show(lambda: (1,) + [2])
show(lambda: [1] + (2,))
show(lambda: (1,) * 3)
show(lambda: 2 * (1, 2))
show(lambda: (1,) * -1)
show(lambda: (1,) * 2.0)
show(lambda: (1, 2).append(3))
show(lambda: (1, 2).index(5))
show(lambda: (1, 2, 3).count(2))
