# expect: collection_length|fuel
# A flat list from a nested comprehension over two big ranges.
x = [i * j for i in range(10**6) for j in range(10**6)]
print("ESCAPED", len(x))
