a = [1, 2]
b = a
c = [1, 2]
print(a is b, a is c, a == c, a is not c)
print(2 in a, 5 not in a, "b" in "abc", "ab" in "xaby", "" in "x")
print(1 in {1: "x"}, "x" in {1: "x"}, 3 in {3, 4}, 3 in (1, 2))
print(None is None, [] is not None)
print(5 in range(10), 10 in range(10), 4 in range(0, 10, 2), 5 in range(0, 10, 2))
