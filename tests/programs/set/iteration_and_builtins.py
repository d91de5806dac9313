s = {4, 1, 3, 2}
print(sum(s), min(s), max(s), len(s), sorted(s, reverse=True))
print(list(s), tuple(s), any(x > 3 for x in s), all(x > 0 for x in s))
total = 0
for x in s:
    total += x * x
print(total)
print(sorted(s, key=lambda v: -v), sorted({"bb", "a", "ccc"}, key=len))
print(set(range(5)), set(range(0, 10, 3)), set("aaa"))
print([x for x in sorted(s) if x % 2], {x: x * x for x in s})
print(sorted(set(map(len, ["a", "bb", "cc", "d"]))))
print(max({"apple", "fig", "banana"}, key=len), min({"b", "a", "c"}))
