for a in (7, -7):
    for b in (2, -2, 3, -3):
        print(a, b, a // b, a % b, divmod(a, b))
print(7.5 // 2, 7.5 % 2, -7.5 // 2, -7.5 % 2)
print(7 // 2.0, -7 % 2.0, 5.0 % -3)
print(0 // 5, 0 % 5, -1 // 10, -1 % 10)
