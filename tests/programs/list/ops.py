a = [1, 2]
b = [3]
print(a + b, a * 3, 0 * a, [0] * 5)
print(2 in a, 9 in a, a == [1, 2], a != b, a < b, [2] > [1, 99])
print(len(a + b), a)
c = a
c += [9]
print(a, c is a)
d = [[0] * 2] * 2
d[0][0] = 1
print(d)
e = [[0] * 2 for _ in range(2)]
e[0][0] = 1
print(e)
print(list(), list("ab"), list((1, 2)), list(range(3)), list({"k": 1}))
