# expect: collection_length
x = set(range(10**9))
print("ESCAPED", len(x))
