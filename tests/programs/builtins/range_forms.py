print(list(range(5)), list(range(2, 6)), list(range(0, 10, 3)))
print(list(range(10, 0, -2)), list(range(5, 5)), list(range(5, 0)))
print(range(5), range(1, 5), range(1, 10, 2), range(0))
print(list(range(-3, 3)), list(range(3, -3, -1)))
r = range(3, 30, 4)
print(r.start, r.stop, r.step, r.index(7), r.count(7), 7 in r)
print(range(3) == range(0, 3), sum(range(101)))
try:
    range(1, 5, 0)
except ValueError as e:
    print(type(e).__name__, e)
