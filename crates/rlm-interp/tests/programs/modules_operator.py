# The `operator` module (issue #79's type added through the native layer):
# the getters as sort keys and calls, the operators as functions, their
# reprs, types and errors, compared with CPython.
import operator
from operator import itemgetter, attrgetter, methodcaller
import functools

rows = [("bob", 3, 9.5), ("amy", 3, 7.0), ("cid", 1, 8.25)]
print(sorted(rows, key=itemgetter(1)))
print(sorted(rows, key=itemgetter(1, 0)))
print(max(rows, key=itemgetter(2)))
print(min(rows, key=operator.itemgetter(2))[0])
print(list(map(itemgetter(0), rows)))
print(itemgetter(slice(1, None))([1, 2, 3]), itemgetter(-1)("abc"))
print(itemgetter("k", "j")({"k": 1, "j": 2}))
counts = {"a": 3, "b": 7, "c": 5}
print(sorted(counts.items(), key=itemgetter(1), reverse=True))
print(repr(itemgetter(1, "a")), repr(attrgetter("real", "imag.real")))
print(repr(methodcaller("split", ",", maxsplit=1)), repr(methodcaller("upper")))
print(type(itemgetter(1)), type(attrgetter("x")).__name__, callable(itemgetter(0)))
print(hasattr(methodcaller("x"), "__call__"), itemgetter(1) == itemgetter(1))
g = itemgetter(1)
print(g == g, g in [g], len({g: 1}))

print(attrgetter("real")(3), attrgetter("real", "imag")(2.5))
print(attrgetter("real.real")(7))
print(methodcaller("split", ",", maxsplit=1)("a,b,c"))
print(methodcaller("upper")("abc"), methodcaller("get", "x", 0)({"x": 4}))
words = ["Banana", "apple", "cherry"]
print(sorted(words, key=methodcaller("lower")))
acc = []
methodcaller("append", 5)(acc)
print(acc)

print(operator.add(2, 3), operator.sub(2, 3), operator.mul("ab", 3), operator.truediv(7, 2))
print(operator.floordiv(-7, 2), operator.mod(-7, 3), operator.pow(2, 10), operator.neg(4))
print(operator.and_(12, 10), operator.or_(12, 10), operator.xor(12, 10), operator.invert(5))
print(operator.inv(0), operator.lshift(1, 5), operator.rshift(64, 2), operator.pos(-2))
print(operator.not_(0), operator.truth([]), operator.abs(-2.5), operator.index(True))
print(operator.eq(1, 1.0), operator.ne("a", "b"), operator.lt(1, 2), operator.le(2, 2))
print(operator.gt("b", "a"), operator.ge([1, 2], [1, 3]), operator.is_(None, None))
print(operator.is_not(1, None), operator.contains([1, 2], 2), operator.getitem("xyz", 1))
print(operator.concat([1], [2]), operator.concat("a", "b"), operator.concat((1,), (2,)))
print(operator.countOf([1, 2, 1, 1.0], 1), operator.indexOf("abcb", "b"))
print(operator.call(len, [1, 2, 3]), operator.call(sorted, [3, 1], reverse=True))
print(functools.reduce(operator.mul, range(1, 6)), functools.reduce(operator.add, ["a", "b"]))
print(list(map(operator.add, [1, 2], [10, 20])), repr(operator.add))
print(sorted([3, 1, 2], key=operator.neg), {1, 2} | {3} == operator.or_({1, 2}, {3}))

def show(f):
    try:
        print(repr(f()))
    except Exception as e:
        print(type(e).__name__, e)

show(lambda: operator.add(1))
show(lambda: operator.add(1, 2, 3))
show(lambda: operator.neg())
show(lambda: operator.neg(1, 2))
show(lambda: operator.neg(x=1))
show(lambda: operator.neg("a"))
show(lambda: operator.add(1, "a"))
show(lambda: operator.truediv(1, 0))
show(lambda: operator.lt(1, "a"))
show(lambda: operator.index(2.0))
show(lambda: operator.concat(1, 2))
show(lambda: operator.concat([1], 2))
show(lambda: operator.indexOf([1, 2], 3))
show(lambda: operator.countOf(3, 1))
show(lambda: operator.call())
show(lambda: operator.getitem([1], 5))
show(lambda: itemgetter())
show(lambda: itemgetter(1, x=2))
show(lambda: itemgetter(1)([1, 2], [3]))
show(lambda: itemgetter(1)(x=[1, 2]))
show(lambda: itemgetter(1)(3))
show(lambda: itemgetter(5)([]))
show(lambda: itemgetter("z")({}))
show(lambda: attrgetter())
show(lambda: attrgetter(1))
show(lambda: attrgetter("x")(3))
show(lambda: attrgetter("real.x")(3))
show(lambda: attrgetter("a")(1, 2))
show(lambda: methodcaller())
show(lambda: methodcaller(1))
show(lambda: methodcaller("a")())
show(lambda: methodcaller("nope")(1))
show(lambda: methodcaller("split", 1)("a b"))
show(lambda: itemgetter(1)(rows))
