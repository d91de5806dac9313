# expect: collection_length
x = list(range(10**10))
print("ESCAPED", len(x))
