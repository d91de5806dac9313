a = {1, 2}
b = a
a |= {3}
print(a, b, a is b)
c = a
a = a | {4}
print(a, c, a is c)
d = {1, 2, 3}
e = d
d -= {1}
d &= {2, 3, 9}
d ^= {7}
print(d, e, d is e)
f = frozenset([1])
g = f
f |= {2}
print(f, g, f is g)
