s = "abcdefghij"
l = list(range(10))
for sl in [(None, None, None), (2, 5, None), (-3, None, None), (None, -3, None), (None, None, 2), (None, None, -1), (8, 2, -2), (-1, -8, -3), (100, 200, None), (-100, 3, None), (3, 3, None), (5, 1, None)]:
    a, b, c = sl
    print(sl, s[a:b:c], l[a:b:c], tuple(l)[a:b:c])
print(s[0], s[-1], l[-2], "é漢字x"[1], "é漢字x"[1:3], "é漢字x"[::-1])
l2 = list(range(6))
l2[1:3] = ["a", "b", "c"]
print(l2)
l2[::2] = [0, 0, 0, 0]
print(l2)
del l2[1:3]
print(l2)
del l2[-1]
print(l2)
r = range(0, 20, 3)
print(r[2], r[-1], r[1:4], list(r[::2]), len(r), 9 in r, 10 in r)
try:
    s[20]
except IndexError as e:
    print("IndexError", e)
try:
    l[10]
except IndexError as e:
    print("IndexError", e)
try:
    l[::0]
except ValueError as e:
    print("ValueError", e)
