a = {1, 2, 3, 4}
b = {3, 4, 5}
print(a | b, a & b, a - b, b - a, a ^ b)
print(a.union(b), a.intersection(b), a.difference(b), a.symmetric_difference(b))
print(a.union([9], (10,)), a.intersection(range(3)))
print(a.issubset({1, 2, 3, 4, 5}), a.issuperset({1}), a.isdisjoint({7}), a <= a, a < a)
a |= {0}; print(a)
a &= {0, 1, 2}; print(a)
a -= {0}; print(a)
a ^= {2, 9}; print(a)
c = {1, 2}
c.intersection_update({2, 3}); print(c)
c.difference_update({2}); print(c)
