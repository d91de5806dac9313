import itertools
print(list(itertools.islice(itertools.count(0.5), 4)), list(itertools.islice(itertools.count(1, 0.25), 5)))
print(list(itertools.islice(itertools.count(2.0, -0.5), 4)), list(itertools.islice(itertools.count(0, 0.1), 4)))
print(list(zip(itertools.count(1.5), "abc")), list(itertools.islice(itertools.count(start=3, step=2), 3)))
print(list(itertools.islice(itertools.count(10, -3), 4)), list(itertools.islice(itertools.count(True), 2)))
try:
    itertools.count("a")
except TypeError as e:
    print(type(e).__name__, e)
