a, b = 1, 2
print(a, b)
a, b = b, a
print(a, b)
(x, y), z = (1, 2), 3
print(x, y, z)
[p, q] = "pq"
print(p, q)
for i, (k, v) in enumerate({"a": 1}.items()):
    print(i, k, v)
m = n = 5
print(m, n)
t = 1,
print(t)
