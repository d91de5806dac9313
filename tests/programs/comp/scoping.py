x = "outer"
squares = [x * 2 for x in range(3)]
print(x, squares)
i = 100
total = sum(i for i in range(5))
print(i, total)
funcs = [lambda: n for n in range(3)]
print([f() for f in funcs])
funcs2 = [lambda n=n: n for n in range(3)]
print([f() for f in funcs2])
k = 10
print([k + j for j in range(3)])
print({x: x for x in "ab"}, x)
