print(max([], default=0), min([], default=None), max((), default="none"), min("", default="empty"))
print(max([3, 1, 3], default=9), max(["b", "a"], key=len), min(["bb", "a", "cc", "d"], key=len))
print(max(["aa", "bb", "c"], key=len), min([(1, "x"), (1, "a")], key=lambda t: t[0]))
print(max(1, 2, 3), min(3, 1, 2), max(1, 2, key=lambda v: -v), max("abc"), min("hello"))
d = {"a": 3, "b": 7, "c": 1}
print(max(d), min(d), max(d, key=d.get), min(d, key=d.get), max(d.values()), max(d.items(), key=lambda kv: kv[1]))
print(max([1.5, 2, True]), min([0, -0.0, False]), max([-1, -2], key=abs), min([], key=len, default=-1))
words = ["pear", "fig", "apple", "kiwi", "plum"]
print(sorted(words, key=len), sorted(words, key=len, reverse=True), sorted(words, key=lambda w: w[-1]))
print(sorted(words, key=str.upper), sorted([3, -1, 2, -5], key=abs), sorted("Banana", key=str.lower))
print(sorted([[2, 1], [1, 2], [1]]), sorted([], key=len), sorted({3: "c", 1: "a"}))
def show(thunk):
    try:
        print("ok", thunk())
    except Exception as e:
        print(type(e).__name__, e)
show(lambda: max([]))
show(lambda: min(()))
show(lambda: max(1))
show(lambda: max())
show(lambda: max(1, 2, default=0))
show(lambda: sorted([1, "a"]))
show(lambda: min([1, None]))
show(lambda: sorted([3, 1], key=5))
