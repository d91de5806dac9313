from functools import partial, reduce
def power(base, exp):
    return base ** exp
square = partial(power, exp=2)
cube = partial(power, exp=3)
print(square(5), cube(2), partial(power, 2)(10))
greet = partial("{} says {}".format, "Ann")
print(greet("hi"))
int2 = partial(int, base=2)
print(int2("1010"), int2("111"))
p = partial(sorted, key=len)
print(p(["ccc", "a", "bb"]), reduce(lambda a, f: f(a), [square, cube], 2))
