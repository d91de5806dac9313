# expect: collection_length
x = sorted(range(10**9))
print("ESCAPED", len(x))
