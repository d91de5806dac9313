# expect: fuel|memory|nesting
# Each exception holds the previous one as its argument: a value nested as
# deep as the loop ran, then shown with repr.
prev = None
for _ in range(300000):
    try:
        raise ValueError(prev)
    except ValueError as err:
        prev = err
print(repr(prev)[:10])
print("ESCAPED")
