for a, b in [(7, 2), (-7, 2), (7, -2), (-7, -2), (0, 3), (0, -3), (6, 3), (-6, 3)]:
    print(a, b, a // b, a % b, divmod(a, b), a / b, (a // b) * b + a % b == a)
for a, b in [(7.5, 2), (-7.5, 2), (7.5, -2), (-7.5, -2.0), (-1, 1.0), (1, -1.0), (0.0, -5), (5, 0.5)]:
    print(a, b, a // b, a % b, divmod(a, b))
print(-7 // 2.0, 7 // -2.0, -0.5 // 1, 0.5 // -1, -1e-9 % 1, 10 % -3.5)
print(2 ** -1, (-8) ** 2, -8 ** 2, 2 ** 0, 0 ** 0, 7 // 7, -3 % 1, 3 % -1)
print(int(-7 / 2), -7 // 2, round(-7 / 2), abs(-7) // 2, -(7 // 2))
def show(thunk):
    try:
        print("ok", thunk())
    except ZeroDivisionError as e:
        print(type(e).__name__, e)
show(lambda: 1 / 0)
show(lambda: 1 // 0)
show(lambda: 1 % 0)
show(lambda: divmod(1, 0))
show(lambda: 1.0 / 0)
show(lambda: 1.0 // 0)
show(lambda: 1.0 % 0)
show(lambda: divmod(1.0, 0))
show(lambda: 0 ** -1)
show(lambda: 0.0 ** -1)
