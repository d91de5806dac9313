def show(thunk):
    try:
        print("ok", thunk())
    except Exception as e:
        print(type(e).__name__, e)

show(lambda: {1} | [2])
show(lambda: {1} + {2})
show(lambda: {1} - [1])
show(lambda: {[1]})
one = {1}
show(lambda: one[0])
show(lambda: set([{}]))
show(lambda: set(5))
show(lambda: {1, 2} < [1, 2])
show(lambda: {1} & frozenset([1]))
show(lambda: set().pop())
show(lambda: {1}.remove(2))
show(lambda: {"k"}.remove("x"))
show(lambda: {(1,)}.remove((2,)))
