def make_counter():
    count = [0]
    def inc(by=1):
        count[0] += by
        return count[0]
    return inc
c = make_counter()
c(); c(5)
print(c())
def adders():
    return [lambda x, i=i: x + i for i in range(3)]
print([f(10) for f in adders()])
def late():
    fs = [lambda: i for i in range(3)]
    return [f() for f in fs]
print(late())
x = "global"
def read_global():
    return x
def shadow():
    x = "local"
    return x
print(read_global(), shadow(), x)
def outer():
    a = 1
    def mid():
        b = 2
        def inner():
            return a + b
        return inner()
    return mid()
print(outer())
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print([fib(i) for i in range(15)])
squares = {n: n * n for n in range(5)}
evens = {n for n in range(10) if n % 2 == 0}
gen = sum(n for n in range(101))
print(squares, evens, gen)
nested = [[i * j for j in range(3)] for i in range(3)]
print(nested, [y for xs in nested for y in xs if y])
print((lambda *a, **k: (a, k))(1, 2, z=3))
def uses_later():
    return later_defined()
def later_defined():
    return "ok"
print(uses_later())
try:
    def bad():
        print(undefined_var)
    bad()
except NameError as e:
    print(e)
try:
    def unbound():
        y = y + 1
    unbound()
except UnboundLocalError as e:
    print(e)
