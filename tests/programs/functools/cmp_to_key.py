import functools
def cmp(a, b):
    if len(a) != len(b):
        return len(a) - len(b)
    return (a > b) - (a < b)
words = ["bb", "a", "ccc", "ab", "c"]
print(sorted(words, key=functools.cmp_to_key(cmp)))
print(sorted(words, key=functools.cmp_to_key(lambda x, y: (y > x) - (y < x))))
