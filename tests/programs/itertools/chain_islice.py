import itertools
print(list(itertools.chain([1, 2], "ab", (3,))))
print(list(itertools.chain.from_iterable([[1], [2, 3], []])))
print(list(itertools.islice("abcdefg", 3)), list(itertools.islice(range(20), 2, 10, 3)), list(itertools.islice("abc", 1, None)))
print(list(itertools.islice(itertools.count(), 5)), list(itertools.islice(itertools.count(10, 5), 3)))
print(list(itertools.islice(itertools.cycle("ab"), 5)), list(itertools.repeat("x", 3)))
