# expect: collection_length
x = [*range(10**9)]
print("ESCAPED", len(x))
