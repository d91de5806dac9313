# Generator expressions are lazy (issue #33): the first iterable is
# evaluated at creation, the body item by item as the consumer asks, and a
# consumer that stops early (any, next, zip, break) stops the generator.
import itertools

log = []


def f(x):
    log.append(x)
    return x * 2


g = (f(x) for x in range(5))
print("created", log)
print("next", next(g), log)
print("rest", list(g), log)
print("again", list(g), next(g, "exhausted"))

# Early exit: any over an endless iterator returns as soon as it can.
print(any(x > 5 for x in itertools.count()))
print(all(x < 3 for x in itertools.count()))
print(next(x for x in itertools.count(10) if x % 7 == 0))
print(list(zip((x * x for x in itertools.count()), "abc")))
print(list(itertools.islice((str(x) for x in itertools.count()), 4)))

# Side effects interleave with the consumer's own.
seen = []
for v in (f(x) for x in range(3)):
    seen.append(("loop", v))
    if v >= 2:
        break
print(seen, log)

# Exceptions raised inside surface when the item is asked for.


def inv(x):
    return 1 // x


h = (inv(x) for x in [1, 0, 2])
print("made h")
print(next(h))
try:
    next(h)
except ZeroDivisionError as e:
    print("raised at consumption:", e)
print("after the error:", list(h))

# The first iterable is evaluated eagerly, the others lazily.
try:
    (x for x in 5)
except TypeError as e:
    print("at creation:", e)
lazy = (y for x in [1] for y in x)
print("inner iterable not evaluated yet")
try:
    list(lazy)
except TypeError as e:
    print("at consumption:", e)

# A StopIteration escaping the body becomes a RuntimeError (PEP 479).


def stop(x):
    raise StopIteration


try:
    list(stop(x) for x in range(2))
except RuntimeError as e:
    print("RuntimeError:", e)

# Consumers of every kind.
print(sum(x * x for x in range(10)))
print("-".join(str(i) for i in range(5)))
print(sorted((x, y) for x in range(3) for y in range(x) if y % 2 == 0))
print(dict((k, v) for k, v in zip("ab", range(2))))
print(max(len(w) for w in "a bb ccc".split()), min(x % 4 for x in range(3, 9)))
print(tuple(x for x in "abc"), set(x % 2 for x in range(5)))
print(next((x for x in []), "default"))
print(type(x for x in []).__name__)
a, b = (x + 1 for x in range(2))
print(a, b)
n = 3
print(list((x, n) for x in range(n)))
print([list(c for c in w) for w in ["ab", "c"]])
