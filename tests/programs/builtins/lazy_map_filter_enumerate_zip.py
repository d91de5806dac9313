# map, filter, enumerate and zip are lazy: each item is computed when asked
# for, so side effects interleave with the consumer, infinite sources work,
# and a partly consumed iterator resumes where it stopped.
import itertools

log = []


def noisy(x):
    log.append(x)
    return x * 10


m = map(noisy, [1, 2, 3, 4])
print(log)
print(next(m))
print(log)
for v in m:
    log.append("got %d" % v)
    if v == 30:
        break
print(log)
print(list(m))
print(list(m))

# Infinite sources.
squares = map(lambda n: n * n, itertools.count(1))
print([next(squares) for _ in range(5)])
evens = filter(lambda n: n % 2 == 0, itertools.count())
print(next(evens), next(evens), next(evens))
e = enumerate(itertools.cycle("ab"), 5)
print(next(e), next(e), next(e))
z = zip(itertools.count(), "xyz")
print(list(z))

# Shared sources: zip pulls each in turn.
it = iter(range(10))
print(list(zip(it, it)))
it = iter([1, 2, 3, 4, 5])
print(list(zip(it, it)))
print(list(it))

# A filter's predicate is called once per item pulled.
calls = []


def keep(x):
    calls.append(x)
    return x > 2


f = filter(keep, [1, 2, 3, 4, 5])
print(next(f), calls)
print(list(f), calls)
print(list(filter(None, [0, 1, "", "a", None, [], [0]])))

# map with several sources stops at the shortest.
print(list(map(lambda a, b: a + b, [1, 2, 3], (10, 20))))
print(list(map(pow, [2, 3, 4], [1, 2])))

# enumerate and zip over generators and over each other.
gen = (c.upper() for c in "hello")
print(list(enumerate(gen, start=1)))
print(list(enumerate(zip("ab", map(str, range(3))))))
pairs = zip(*[[1, 2, 3], [4, 5, 6]])
print(next(pairs), list(pairs))

# Consumers of lazy adapters.
print(sum(map(int, "12345")))
print(max(filter(lambda x: x < 50, map(lambda x: x * 7, range(20)))))
print(sorted(map(len, ["aaa", "b", "cc"])))
print(dict(zip("abc", range(3))))
print(set(map(lambda x: x % 3, range(10))))
print(", ".join(map(str, range(5))))
print(any(map(lambda x: x > 3, itertools.count())))
print(tuple(enumerate("xy")))

# A dict changed during a lazy enumerate raises when the next item is asked.
d = {"a": 1, "b": 2}
e = enumerate(d)
print(next(e))
d["c"] = 3
try:
    next(e)
except RuntimeError as exc:
    print("RuntimeError:", exc)

# zip(strict=True).
try:
    print(list(zip([1, 2], [3], strict=True)))
except ValueError as exc:
    print("ValueError:", exc)
try:
    print(list(zip([1], [3, 4], strict=True)))
except ValueError as exc:
    print("ValueError:", exc)
print(list(zip([1, 2], [3, 4], strict=True)))
print(list(zip()))

# An exception from the function surfaces at the step that calls it.
m = map(lambda x: 10 // x, [5, 2, 0, 1])
print(next(m), next(m))
try:
    next(m)
except ZeroDivisionError as exc:
    print("ZeroDivisionError:", exc)
print(next(m))

# Errors at creation for a non-iterable source.
for make in (lambda: map(abs, 5), lambda: filter(None, 5), lambda: enumerate(5), lambda: zip([1], 5)):
    try:
        make()
    except TypeError as exc:
        print("TypeError:", exc)
