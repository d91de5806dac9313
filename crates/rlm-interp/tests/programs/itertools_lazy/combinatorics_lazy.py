# The combinatoric iterators give their first tuple at once, whatever the
# size of the whole, and in CPython's order.
import itertools

print(next(itertools.permutations(range(100)))[:5])
print(next(itertools.combinations(range(1000), 500))[-3:])
print(next(itertools.product(range(10), repeat=50))[:3])
print(next(itertools.combinations_with_replacement(range(100), 60))[:3])
print(list(itertools.permutations("abc", 2)))
print(list(itertools.permutations(range(3))))
print(list(itertools.combinations("abcd", 2)), list(itertools.combinations("ab", 3)))
print(list(itertools.combinations_with_replacement("abc", 2)))
print(list(itertools.product("ab", [0, 1], repeat=1)), list(itertools.product()), list(itertools.product("ab", [])))
print(list(itertools.permutations([], 0)), list(itertools.combinations([], 0)), list(itertools.combinations_with_replacement([], 0)))
for bad in [lambda: itertools.combinations(range(3), -1), lambda: itertools.permutations(range(3), -2)]:
    try:
        bad()
    except ValueError as e:
        print("ValueError", e)
p = itertools.permutations(range(4), 3)
print(sum(1 for _ in p), next(p, "spent"))
