# Ordering, each type answering its own `<` (issue #79): numbers, strings,
# sequences item by item, sets as subsets, Counters, dates, and the
# TypeError of types without an order between them.
from collections import Counter
import datetime

def show(label, f):
    try:
        print(label, f())
    except TypeError as e:
        print(label, "TypeError:", e)

ops = [
    ("lt", lambda a, b: a < b),
    ("le", lambda a, b: a <= b),
    ("gt", lambda a, b: a > b),
    ("ge", lambda a, b: a >= b),
]
pairs = [
    (1, 2), (2, 1.5), (True, 1), (float("nan"), 1), (2**62, 2.0**62),
    ("abc", "abd"), ("b", "ab"), ("x" * 100 + "a", "x" * 100 + "b"), ("é", "z"),
    ([1, 2], [1, 3]), ([1, 2], [1, 2, 0]), ((1, "a"), (1, "b")), ((), ()),
    ([[1, [2]]], [[1, [3]]]), ((1, {2}), (1, {1})), ([float("nan")], [1]),
    ({1}, {1, 2}), ({1, 2}, {1, 2}), (frozenset([1]), {1, 2}), ({3}, frozenset([1, 2])),
    ({1: 1}.keys(), {1, 2}), ({1, 2}, {1: 1}.keys()), ({1: 2}.items(), {(1, 2), (3, 4)}),
    (Counter(a=1), Counter(a=2)), (Counter(a=2, b=1), Counter(a=2)), (Counter(), Counter()),
    ((1, Counter(a=1)), (1, Counter(a=2))), ([Counter(b=1)], [Counter(b=1, c=0)]),
    (datetime.date(2024, 1, 2), datetime.date(2024, 1, 3)),
    (datetime.timedelta(days=1), datetime.timedelta(hours=25)),
    (1, "a"), ("a", 1), ([1], (1,)), ({1: 2}, {1: 3}), (None, None), (1.5, None),
    ([1, "a"], [1, 2]), ((1, None), (1, None)), ((1, None), (2, None)),
    (range(3), range(4)), ({1: 1}.values(), {1}), ({1}, {1: 1}.values()),
    ([{1: 2}], [{1: 3}]), (Counter(a=1), {"a": 2}),
]
for a, b in pairs:
    for name, f in ops:
        show(f"{a!r} {name} {b!r}:", lambda: f(a, b))

print(sorted([(2, "b"), (1, "z"), (2, "a"), (1, "a")]))
print(sorted(["pear", "apple", "fig", "apple pie"]))
print(max([[1, 2], [1, 2, 3], [0, 9]]), min("hello"))
show("sorted mixed:", lambda: sorted([1, "a"]))
