print("ell" in "hello", "" in "abc", "" in "", "z" in "abc", "A" in "abc")
print(2 in [1, 2], 2.0 in [1, 2], True in [1], 1 in [True], None in [None], [1] in [[1]], (1,) in [[1]])
print(2 in (1, 2), "a" in ("ab",), "k" in {"k": 0}, 0 in {"k": 0}, 0 in {"k": 0}.values())
print(3 in {1, 2, 3}, 4 in range(0, 10, 2), 5 in range(0, 10, 2), -1 in range(-5, 0), 10 in range(10))
print(1.0 in range(3), 1.5 in range(3), "a" not in "bcd", 3 not in [1, 2], not 3 in [3])
print([] in [[]], {} in [{}], (1, 2) in {(1, 2): 0}, "ab" in ["a", "b"], "a" in [["a"]])
nested = [[1, 2], [3, [4, 5]]]
print([4, 5] in nested[1], 4 in nested[1], any(4 in sub for sub in nested if isinstance(sub, list)))
def show(thunk):
    try:
        print("ok", thunk())
    except Exception as e:
        print(type(e).__name__, e)
show(lambda: 1 in "abc")
show(lambda: 1 in 5)
show(lambda: [1] in {1: 0})
show(lambda: [1] in {1, 2})
show(lambda: "a" in None)
