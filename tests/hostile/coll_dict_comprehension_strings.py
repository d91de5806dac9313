# expect: collection_length
# A dict comprehension is held to the collection cap like `d[k] = v`.
d = {str(i): i for i in range(10**9)}
print("ESCAPED", len(d))
