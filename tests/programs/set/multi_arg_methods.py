a = {1, 2, 3, 4, 5}
print(a.union([6], (7,), range(8, 10)))
print(a.intersection([1, 2, 3], {2, 3, 4}, (3, 2)))
print(a.difference([1], {2}, (3,)))
print(a.issubset(range(10)), a.issuperset([1, 2]), a.isdisjoint("xyz"))
b = set()
b.update("ab", [1], (2,), {3: "three"})
print(sorted(b, key=str))
c = {1, 2, 3, 4}
c.intersection_update([1, 2, 3], (2, 3))
print(c)
c.difference_update([2], [7])
print(c)
d = {1, 2}
d.symmetric_difference_update([2, 3])
print(d)
print(a.union(), a.intersection(), a.difference() == a)
