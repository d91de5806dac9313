import functools
def merge(acc, item, key):
    acc.setdefault(item[key], []).append(item["v"])
    return acc
rows = [{"k": "a", "v": 1}, {"k": "b", "v": 2}, {"k": "a", "v": 3}]
print(functools.reduce(functools.partial(merge, key="k"), rows, {}))
compose = lambda *fs: functools.reduce(lambda f, g: lambda x: g(f(x)), fs)
pipeline = compose(str.strip, str.lower, lambda s: s.replace(" ", "_"))
print(pipeline("  Hello Big World "))
add = lambda a, b: a + b
inc = functools.partial(add, 1)
print(functools.reduce(lambda acc, f: f(acc), [inc, inc, inc], 0))
print(functools.reduce(lambda acc, w: acc if len(acc) >= len(w) else w, "a bbb cc dddd e".split(), ""))
