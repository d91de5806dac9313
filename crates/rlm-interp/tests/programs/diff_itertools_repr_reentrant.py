# itertools as CPython: `repeat`'s repr counts down as it is drawn (a negative
# count is 0), `count`'s shows the next value, `pairwise` takes exactly one
# positional argument, and a `groupby` group may be read again from inside its
# own key function (bpo-30347), giving what CPython gives.
from itertools import count, groupby, pairwise, repeat

r = repeat("a", 3)
print(repr(r), next(r), repr(r), list(r), repr(r))
print(repr(repeat("a")), repr(repeat([1, (2,)], -1)), repr(repeat(None, times=-2)))
print(repr(repeat(repeat(1.5, 2))))
c = count(5)
print(repr(c), next(c), repr(c), repr(count(1, 2)), repr(count(-3, -1)), repr(count()))
print([repr(x) for x in [repeat("x", 0), count(10, 1)]])

def show(f, *args, **kwargs):
    try:
        print(list(f(*args, **kwargs)))
    except Exception as e:
        print(type(e).__name__, e)

show(pairwise, "abcd")
show(pairwise)
show(pairwise, "abc", 10)
show(pairwise, iterable="abc")
show(pairwise, "abc", x=1)
show(pairwise, None)

def run(stop, inner_at):
    def key(n):
        print("key", n)
        if n == inner_at:
            print("inner", list(b))
        return n < stop
    for k, b in groupby(range(8), key):
        print(k, list(b))

run(6, 5)
run(3, 1)
run(8, 7)
