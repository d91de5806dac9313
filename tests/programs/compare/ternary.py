for n in range(-2, 3):
    print(n, "neg" if n < 0 else "zero" if n == 0 else "pos")
x = [] if False else [1]
print(x)
print((lambda v: "even" if v % 2 == 0 else "odd")(7))
print([("big" if i > 2 else "small") for i in range(5)])
