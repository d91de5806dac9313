# expect: collection_length
d = {i: i for i in range(10**9)}
print("ESCAPED", len(d))
