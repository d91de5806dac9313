import itertools
data = [1, 3, 5, 6, 7, 9]
print(list(itertools.takewhile(lambda x: x % 2, data)))
print(list(itertools.dropwhile(lambda x: x % 2, data)))
print(list(itertools.filterfalse(lambda x: x % 2, data)))
print(list(itertools.compress("abcdef", [1, 0, 1, 0, 1, 1])))
print(list(itertools.takewhile(lambda x: x < 10, itertools.count(1, 3))))
