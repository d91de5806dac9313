x = 5
print(1 < x < 10, 1 < x > 10, 0 <= x <= 5 < 6)
print(1 == 1 == 1, 1 == 1 != 2, 3 > 2 > 1 > 0)
print(1 < 2 < 3 < 2)
print("a" < "b" < "c", "b" < "a" < "c")
a, b, c = 3, 3, 4
print(a == b < c, a < b == c)
print(1 < 2 in [2, 3])
