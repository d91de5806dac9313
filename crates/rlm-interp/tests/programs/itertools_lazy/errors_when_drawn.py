# An exception in a source or callback comes out when the item is drawn.
import itertools


def boom(x):
    if x == 3:
        raise ValueError("boom at %s" % x)
    return x


its = {
    "accumulate": itertools.accumulate((boom(i) for i in range(5))),
    "islice": itertools.islice((boom(i) for i in range(5)), 10),
    "chain": itertools.chain([0, 1], (boom(i) for i in range(2, 5))),
    "takewhile": itertools.takewhile(lambda x: boom(x) < 10, range(5)),
    "starmap": itertools.starmap(boom, [(1,), (2,), (3,), (4,)]),
    "pairwise": itertools.pairwise(boom(i) for i in range(5)),
    "zip_longest": itertools.zip_longest(range(2), (boom(i) for i in range(5))),
}
print("made them all")
for name, it in its.items():
    got = []
    try:
        for x in it:
            got.append(x)
    except ValueError as e:
        print(name, got, "then", e)
try:
    itertools.islice(range(3), -1)
except ValueError as e:
    print("ValueError", e)
try:
    itertools.chain(1, 2)
    print("chain of ints made")
    list(itertools.chain(1, 2))
except TypeError as e:
    print("TypeError", e)
