# DSL-only: itertools functions other than count/cycle/repeat build their whole result when called (drawing their sources one item at a time, in CPython's order); CPython's draw only as the result is read, so a source advanced between the call and the read differs
import itertools

it = iter(range(6))
d = itertools.dropwhile(lambda x: x < 2, it)
print(next(it, None))
print(list(d))
it = iter(range(6))
a = itertools.accumulate(it)
print(next(it, None), list(a))
