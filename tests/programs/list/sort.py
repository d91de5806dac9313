xs = [5, 2, 9, 1, 5, 6]
xs.sort(); print(xs)
xs.sort(reverse=True); print(xs)
words = ["banana", "Apple", "cherry", "date", "Fig"]
words.sort(); print(words)
words.sort(key=str.lower); print(words)
words.sort(key=len); print(words)
words.sort(key=lambda w: (-len(w), w)); print(words)
pairs = [(2, "b"), (1, "z"), (2, "a"), (1, "a")]
pairs.sort(); print(pairs)
pairs.sort(key=lambda p: p[1], reverse=True); print(pairs)
print(xs.sort())
