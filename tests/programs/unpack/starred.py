first, *rest = [1, 2, 3, 4]
print(first, rest)
*init, last = "abcd"
print(init, last)
a, *mid, b = range(5)
print(a, mid, b)
x, *y = [1]
print(x, y)
print([*range(3), *"ab"], (*[1], 2), {*[1, 1], 2})
head, *_ = "h e l l o".split()
print(head)
(a, *b), c = [1, 2, 3], 4
print(a, b, c)
