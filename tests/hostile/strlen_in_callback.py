# expect: string_length
# A limit hit inside a callback called by a builtin must propagate out.
out = list(map(lambda x: "a" * 10**10, [1, 2]))
print("ESCAPED", len(out))
