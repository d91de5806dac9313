# expect: collection_length
x = (0, 1) * 10**9
print("ESCAPED", len(x))
