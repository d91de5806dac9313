# expect: collection_length
x = [i for i in range(10**9)]
print("ESCAPED", len(x))
