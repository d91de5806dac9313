# Calls of plain functions (positional parameters only), which bind their
# arguments straight from the operand stack, next to the shapes that take the
# general path: defaults, closures, recursion, wrong counts, keywords.
def two(a, b):
    return a * 10 + b


def defaults(a, b=2, c=[3]):
    c = c + [a]
    return (a, b, c)


def none():
    return "none"


def local_after_params(x):
    y = x + 1
    z = y * 2
    return x, y, z


def outer(n):
    k = n * 3

    def inner(m):
        return k + m

    return inner


def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)


def kwonly(a, *, b=5):
    return a + b


def star(*args):
    return args


print(two(1, 2), none(), local_after_params(4))
print(defaults(1), defaults(1, 9), defaults(1, 9, [0]))
add = outer(2)
print(add(1), add(10), fact(10))
print(kwonly(1), kwonly(1, b=2), star(), star(1, 2))
print(two(b=1, a=2), defaults(a=7, c=[]))
total = 0
for i in range(200):
    total += two(i, i % 7) + len(defaults(i)[2])
print(total)
fs = [two, defaults, local_after_params]
print([f(3, 4) if f is not local_after_params else f(3) for f in fs])

for call in (
    lambda: two(1),
    lambda: two(1, 2, 3),
    lambda: none(1),
    lambda: defaults(),
    lambda: defaults(1, 2, 3, 4),
    lambda: kwonly(1, 2),
    lambda: two(1, a=2),
):
    try:
        call()
    except TypeError as e:
        print("TypeError:", e)


def deep(n):
    return 0 if n == 0 else 1 + deep(n - 1)


print(deep(50))
