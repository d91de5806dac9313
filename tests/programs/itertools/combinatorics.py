import itertools
print(list(itertools.combinations("abcd", 2)))
print(list(itertools.combinations(range(4), 3)), list(itertools.combinations([1], 2)))
print(list(itertools.permutations("abc")))
print(list(itertools.permutations(range(3), 2)))
print(list(itertools.product("ab", [0, 1])))
print(list(itertools.product([0, 1], repeat=3)))
print(list(itertools.combinations_with_replacement("ab", 2)), len(list(itertools.product(range(3), repeat=2))))
