# DSL-only: `operator`'s getters reach attributes and methods through the sandbox's own `x.a` and `x.m()`, so a dunder name is refused as `getattr` refuses it, and the functions that would store through a callback (`setitem`, `delitem`, the in-place `i*` forms) are not in the module (docs/divergences.md, `operator`).
import operator
from operator import attrgetter, methodcaller


def show(f):
    try:
        print(repr(f()))
    except Exception as e:
        print(type(e).__name__ + ":", e)


show(lambda: attrgetter("__class__")(1))
show(lambda: attrgetter("real.__class__")(1))
show(lambda: methodcaller("__len__")([1, 2]))
show(lambda: methodcaller("__init__")([1, 2]))
show(lambda: hasattr(operator, "setitem"))
show(lambda: operator.iadd([1], [2]))
print(attrgetter("real")(5), methodcaller("count", 1)([1, 1]))
