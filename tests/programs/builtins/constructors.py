print(list("abc"), list((1, 2)), list({"a": 1}), list(range(2)), list({3: 0}.values()))
print(dict([(1, 2)]), dict(a=1), dict({"x": 1}, y=2), dict(zip("ab", "cd")))
print(sorted(set("banana")), set([1, 1]), set((2,)), set(range(3)))
print(tuple([1, 2]), tuple("xy"), tuple({"k": 0}), tuple(x * 2 for x in range(3)))
try:
    dict([1, 2])
except TypeError as e:
    print(type(e).__name__, e)
try:
    list(5)
except TypeError as e:
    print(type(e).__name__, e)
