# Issue #33: range lengths are exact; past sys.maxsize len() raises
# OverflowError as CPython's does (it used to print -1). And -2**63, the
# smallest 64-bit int, is an int here as in CPython.
def attempt(label, f):
    try:
        print(label, f())
    except Exception as e:
        print(label, type(e).__name__, e)

top = 2**62 - 1 + 2**62
big = range(-2**63, top)
attempt("len big", lambda: len(big))
attempt("bool big", lambda: bool(big))
attempt("last", lambda: big[-1])
attempt("first", lambda: big[0])
attempt("from end", lambda: big[-2])
attempt("len half", lambda: len(range(0, top)))
attempt("len stepped", lambda: len(range(-2**63, top, 2)))
attempt("len negative step", lambda: len(range(top, -2**63, -3)))
attempt("eq", lambda: big == range(-2**63, top))
attempt("ne", lambda: big == range(-2**63, top - 1))
attempt("contains", lambda: 0 in big)
attempt("slice", lambda: range(0, top)[5:])
attempt("slice len", lambda: len(range(0, top)[::2]))
attempt("empty", lambda: len(range(5, 5)))
attempt("reversed len", lambda: len(range(10, -10, -3)))
attempt("min int", lambda: -2**63)
attempt("min int literal", lambda: -9223372036854775808)
attempt("min int parens", lambda: -(2**63))
attempt("mod", lambda: -2**63 % -1)
attempt("mod 2", lambda: -2**63 % 7)
attempt("divmod", lambda: divmod(-2**63, 7))
attempt("floordiv", lambda: 7 // -1)
