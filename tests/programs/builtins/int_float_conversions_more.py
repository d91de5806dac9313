print(int(3.9), int(-3.9), int(0.99999), int(-0.5), int(1e15), int(2.5e10))
print(int("  42 "), int("-0"), int("+7"), int("1_000"), int("0x1f", 16), int("1f", 16))
print(int("0x1f", 0), int("0o17", 0), int("0b101", 0), int("10", 0), int("z", 36), int("ZZ", 36))
print(int(True), int(False), int("\t-12\n"), int("007"), int("0b11", 2), int("-0x10", 16))
print(float("  1.5 "), float("1e3"), float("-1E-3"), float(".5"), float("5."), float("1_000.5"))
print(float("inf"), float("-Infinity"), float("nan"), float("  -inf"), float(7), float(True))
print(float(10**15), float("0.1") + float("0.2"), float("-0"), float("1e400"), float("1e-400"))
print(str(1.0), str(-0.0), str(1e16), str(12.0), int(float("12.7")), float(int("12")))
for bad in ["1.5", "", " ", "1e3", "0x1g", "--1", "1 2", "one"]:
    try:
        int(bad)
    except ValueError as e:
        print(type(e).__name__, e)
for bad in ["abc", "", "1.2.3", "1e", "0x10"]:
    try:
        float(bad)
    except ValueError as e:
        print(type(e).__name__, e)
for bad in [None, [1]]:
    try:
        int(bad)
    except TypeError as e:
        print(type(e).__name__, e)
try:
    int(float("inf"))
except OverflowError as e:
    print(type(e).__name__, e)
try:
    int(float("nan"))
except ValueError as e:
    print(type(e).__name__, e)
try:
    int("12", 1)
except ValueError as e:
    print(type(e).__name__, e)
