import itertools
print(list(itertools.zip_longest("abc", [1])))
print(list(itertools.zip_longest("ab", "wxyz", fillvalue="-")))
print(list(itertools.pairwise([1, 2, 4, 7])), list(itertools.pairwise("a")))
print([b - a for a, b in itertools.pairwise([1, 4, 9, 16])])
print(list(itertools.starmap(pow, [(2, 3), (3, 2)])), list(itertools.starmap(lambda a, b: a + b, [("x", "y")])))
