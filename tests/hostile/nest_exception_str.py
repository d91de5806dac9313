# expect: nesting
# An exception whose argument is an exception whose argument is ... 50 000
# deep: str() of each level is str() of its argument (CPython: RecursionError).
e = ValueError("bottom")
for _ in range(50000):
    e = ValueError(e)
print(str(e))
print("ESCAPED")
