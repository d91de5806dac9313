print(round(0.5), round(1.5), round(2.5), round(-0.5), round(-1.5), round(3.5))
print(round(2.675, 2), round(1.005, 2), round(0.125, 2), round(0.375, 2), round(-2.675, 2))
print(round(15, -1), round(25, -1), round(35, -1), round(-25, -1), round(1234, -2), round(5, -1))
print(round(1234.5678, -2), round(1234.5678, 1), round(1234.5678, 0), round(0.0, 3), round(-0.0))
print(type(round(2.5)).__name__, type(round(2.5, 0)).__name__, type(round(7, 1)).__name__, round(7, 2))
print(round(1e300, 2), round(0.1 + 0.2, 10), round(1 / 3, 5), round(2 / 3, 15))
print(round(123.456, -1), round(-123.456, -2), round(5e-324, 2), round(9.995, 2))
print(round(True), round(False, 2), round(10**15 + 0.5))
try:
    round("1.5")
except TypeError as e:
    print(type(e).__name__, e)
try:
    round(1.5, 1.0)
except TypeError as e:
    print(type(e).__name__, e)
