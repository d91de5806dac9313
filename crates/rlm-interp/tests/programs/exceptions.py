def check(f):
    try:
        f()
    except Exception as e:
        print(type(e).__name__ if False else type(e), "|", e, "|", repr(e))
check(lambda: 1 / 0)
check(lambda: 1 // 0)
check(lambda: 1 % 0)
check(lambda: 1.0 / 0)
check(lambda: {}["k"])
check(lambda: {}[1])
check(lambda: [][0])
check(lambda: "a" + 1)
check(lambda: 1 + "a")
check(lambda: [1] + (2,))
check(lambda: int("x"))
check(lambda: int("12.5"))
check(lambda: float("abc"))
check(lambda: "abc".foo)
check(lambda: (1).foo)
check(lambda: None.x)
check(lambda: undefined_name)
check(lambda: len(5))
check(lambda: [1, 2].index(5))
check(lambda: "abc".index("z"))
check(lambda: {1: 2}.pop(3))
check(lambda: [].pop())
check(lambda: 5())
check(lambda: "x" * "y")
check(lambda: -"x")
check(lambda: [] < 1)
check(lambda: sorted([1, "a"]))
check(lambda: max([]))
check(lambda: chr(-1))
check(lambda: ord("ab"))
check(lambda: hash([]))
check(lambda: {[]: 1})
check(lambda: next(iter([])))
check(lambda: int(None))
check(lambda: list(5))
check(lambda: "a".join([1]))
check(lambda: range(1, 2, 0))
check(lambda: divmod(1, 0))
def raiser():
    raise ValueError("custom message")
check(raiser)
def chain():
    try:
        raise KeyError("inner")
    except KeyError:
        raise RuntimeError("outer")
check(chain)
try:
    try:
        raise ValueError("a")
    finally:
        print("finally runs")
except ValueError as e:
    print("caught", e)
def tf():
    try:
        return "try"
    finally:
        print("cleanup")
print(tf())
for i in range(3):
    try:
        if i == 1:
            continue
        print("body", i)
    finally:
        print("fin", i)
try:
    raise IndexError
except LookupError as e:
    print("lookup", repr(e))
try:
    assert 1 == 2, "math is broken"
except AssertionError as e:
    print("assert", e)
try:
    raise TypeError("a", 2)
except (ValueError, TypeError) as e:
    print(e, e.args)
else:
    print("no")
try:
    pass
except Exception:
    print("no")
else:
    print("else ran")
finally:
    print("finally ran")
e = ValueError("x")
print(isinstance(e, Exception), isinstance(e, ValueError), isinstance(e, KeyError), str(e), e.args)
try:
    try:
        1 / 0
    except ZeroDivisionError:
        raise
except ZeroDivisionError as e:
    print("reraised", e)
