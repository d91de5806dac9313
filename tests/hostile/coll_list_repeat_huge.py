# expect: collection_length
x = [0] * 10**9
print("ESCAPED", len(x))
