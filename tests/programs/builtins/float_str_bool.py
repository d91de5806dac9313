print(float("3.5"), float("-0"), float("1e3"), float(2), float(" .5 "), float("5."))
for bad in ["abc", "", "1,5"]:
    try:
        float(bad)
    except ValueError as e:
        print(type(e).__name__, e)
print(str(1), str(1.0), str(None), str([1, "a"]), str("s"), str(True), str())
print(bool(0), bool("a"), bool([]), bool(None), bool(), bool(0.0), bool(-1))
print(int(), float(), list(), dict(), tuple(), set(), repr(str()))
