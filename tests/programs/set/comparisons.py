a = {1, 2}
b = {1, 2, 3}
print(a < b, a <= b, b > a, b >= a, a > b, a == b, a != b)
print(a < a, a <= a, a >= a, {1} < {2}, {1} > {2}, {1} == {2})
print(set() < a, set() <= set(), set() == frozenset())
print(frozenset(a) < b, a < frozenset(b), frozenset([1]) == {1})
print(sorted([{3}, {1, 2}, set()], key=len))
print(a == [1, 2], a != (1, 2), {1} == {1.0})
