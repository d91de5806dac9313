# itertools iterators are lazy: callbacks run as items are drawn, not when
# the iterator is made, and interleave with the consumer in CPython's order.
import itertools

log = []


def key(x):
    log.append("key %s" % x)
    return x % 2


def pred(x):
    log.append("pred %s" % x)
    return x < 3


def add(a, b):
    log.append("add %s %s" % (a, b))
    return a + b


made = [
    itertools.accumulate([1, 2, 3], add),
    itertools.takewhile(pred, [1, 2, 3, 4]),
    itertools.dropwhile(pred, [1, 2, 3, 4]),
    itertools.filterfalse(pred, [1, 4, 5]),
    itertools.starmap(add, [(1, 2), (3, 4)]),
    itertools.groupby([1, 3, 2, 4], key),
]
print("made", log)
for it in made:
    log.clear()
    first = next(it)
    print("first", first if not isinstance(first, tuple) else first[0], log)
    log.clear()
    rest = [x if not isinstance(x, tuple) else x[0] for x in it]
    print("rest", rest, log)
for x in itertools.accumulate([1, 2, 3, 4], add):
    log.append("got %s" % x)
print(log)
