# expect: fuel|memory|collection_length
# functools.reduce concatenating strings: each step copies the whole prefix.
import functools
parts = ["x" * 100] * 100000
s = functools.reduce(lambda a, b: a + b, parts)
print("ESCAPED", len(s))
