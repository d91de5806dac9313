words = ["apple", "bob", "cat", "apple", "dog"]
print({w: len(w) for w in words})
print({i: i * i for i in range(6) if i % 2})
print({v: k for k, v in {"a": 1, "b": 2}.items()})
print({c: words.count(c) for c in sorted(set(words))})
print(dict(zip("abc", range(3))), dict(a=1, b=2), dict([("k", "v")]))
