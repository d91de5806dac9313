# BaseExceptionGroup / ExceptionGroup (PEP 654) as 3.11 builds, prints and
# splits them.
for args in [(), ("m",), (1, [ValueError()]), ("m", 5), ("m", []), ("m", [1]),
             ("m", [KeyboardInterrupt()]), ("m", (ValueError(1),))]:
    for cls in (ExceptionGroup, BaseExceptionGroup):
        try:
            e = cls(*args)
            print(type(e).__name__, repr(e), str(e), e.args, e.exceptions, e.message)
        except (TypeError, ValueError) as x:
            print(type(x).__name__, x)

e = ExceptionGroup("m", [ValueError(1), TypeError(2), ExceptionGroup("inner", [KeyError(3), ValueError(4)])])
print(repr(e))
print(str(e), isinstance(e, BaseExceptionGroup), isinstance(e, Exception))
print(issubclass(ExceptionGroup, BaseExceptionGroup), issubclass(BaseExceptionGroup, Exception))
match, rest = e.split(ValueError)
print(repr(match))
print(repr(rest))
print(e.split((KeyError, TypeError)))
print(e.subgroup(ValueError), e.subgroup(OSError))
print(e.subgroup(lambda x: isinstance(x, KeyError)))
print(e.split(Exception)[0] is e, e.split(ExceptionGroup)[0] is e)
print(repr(e.derive([ValueError(9)])), repr(BaseExceptionGroup("b", [SystemExit(1)]).derive([ValueError(9)])))
l = [ValueError(1)]
g = ExceptionGroup("m", l)
l.append(3)
print(g.args, g.exceptions)
try:
    raise ExceptionGroup("raised", [ValueError("v")])
except ExceptionGroup as caught:
    print("caught", caught, caught.exceptions[0])
try:
    raise BaseExceptionGroup("base", [ValueError("v")])
except Exception as caught:
    print("an Exception:", type(caught).__name__)
try:
    e.split(3)
except TypeError as x:
    print("TypeError", x)
