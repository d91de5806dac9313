# 1, 1.0 and True are the same set element; the first one inserted is kept.
s = {1, 1.0, True}
print(s, len(s))
print({True, 1}, {1.0, 1}, {0, False, 0.0})
print(len({2, 2.0, 3}), 2.0 in {2}, True in {1}, 0 in {False})
t = set()
t.add(3.0)
t.add(3)
print(t, len(t))
print({(1, 2), (1, 2.0)}, {"a", "a"})
