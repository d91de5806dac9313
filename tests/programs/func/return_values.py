def nothing():
    pass
def early(x):
    if x > 0:
        return "pos"
    return
def multi():
    return 1, "two", [3]
print(nothing(), early(1), early(-1))
a, b, c = multi()
print(a, b, c, multi())
def find(xs, target):
    for i, x in enumerate(xs):
        if x == target:
            return i
    return -1
print(find([5, 6, 7], 7), find([], 1))
