import itertools
data = "aaabbcaa"
print([(k, len(list(g))) for k, g in itertools.groupby(data)])
words = sorted(["apple", "bob", "cat", "ant", "bee"], key=lambda w: w[0])
for key, grp in itertools.groupby(words, key=lambda w: w[0]):
    print(key, list(grp))
nums = [1, 3, 5, 2, 4, 7]
print([(k, list(g)) for k, g in itertools.groupby(nums, key=lambda n: n % 2)])
