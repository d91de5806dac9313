import itertools
print(list(itertools.islice(itertools.count(5, 2), 4)), list(itertools.islice(itertools.count(), 2, 6)))
print(list(itertools.islice(itertools.cycle("ab"), 5)), list(itertools.repeat("x", 3)), list(itertools.repeat(0, 0)))
print(list(itertools.islice(itertools.count(1.5, 0.5), 3)), list(itertools.islice("abcdef", 1, None, 2)))
print(list(itertools.starmap(pow, [(2, 3), (3, 2)])), list(itertools.compress("abcd", [1, 0, 1, 0])))
print(list(itertools.filterfalse(lambda v: v % 3, range(10))), list(zip(itertools.count(1), "xyz")))
print(list(itertools.permutations("abc", 2)), len(list(itertools.product("ab", repeat=3))))
for i, ch in zip(itertools.count(), "hey"):
    print(i, ch)
total = 0
for n in itertools.count(1):
    total += n
    if total > 20:
        break
print(n, total)
