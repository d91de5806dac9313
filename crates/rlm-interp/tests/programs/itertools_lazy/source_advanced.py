# A source advanced between making the iterator and reading it: CPython's
# iterators see the items left (this was the itertools_eager_dsl divergence).
import itertools

it = iter(range(6))
d = itertools.dropwhile(lambda x: x < 2, it)
print(next(it, None))
print(list(d))
it = iter(range(6))
a = itertools.accumulate(it)
print(next(it, None), list(a))
it = iter(range(10))
s = itertools.islice(it, 2, 8, 2)
print(next(it), list(s), list(it))
it = iter("abcdef")
c = itertools.chain(it, "xy")
print(next(it), next(c), list(it), list(c))
it = iter(range(4))
cy = itertools.cycle(it)
print(next(cy), next(it), [next(cy) for _ in range(5)])
it = iter([1, 2, 3, 4, 5])
p = itertools.pairwise(it)
print(next(p), next(it), list(p))
lst = [1, 2, 3]
r = reversed(lst)
lst.append(4)
print(next(r), list(r))
lst = [1, 2, 3, 4]
r = reversed(lst)
print(next(r))
del lst[1:]
print(list(r))
print(list(reversed(range(0, 10, 3))), list(reversed(range(5, -5, -2))), list(reversed(range(0))))
