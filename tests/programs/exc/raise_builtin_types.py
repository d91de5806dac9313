for cls in [ValueError, TypeError, KeyError, IndexError, RuntimeError, NotImplementedError, AttributeError, Exception, LookupError, ArithmeticError, OverflowError]:
    try:
        raise cls("message here")
    except Exception as e:
        print(type(e).__name__, e, repr(e))
try:
    raise ValueError
except ValueError as e:
    print(repr(e), repr(str(e)))
try:
    raise KeyError("quoted")
except KeyError as e:
    print(e, e.args)
try:
    raise ValueError("a", 1)
except ValueError as e:
    print(e, e.args)
