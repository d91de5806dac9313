# expect: fuel|collection_length|memory
# The sort key appends to the list being sorted. CPython hides the list
# during the sort and raises ValueError after it; the sandbox must neither
# panic on the aliasing nor grow without a limit.
xs = [3, 1, 2]
while True:
    try:
        xs.sort(key=lambda v: xs.append(v) or v)
    except ValueError:
        pass
print("ESCAPED", len(xs))
