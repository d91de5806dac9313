# expect: collection_length
d = dict.fromkeys(range(10**9))
print("ESCAPED", len(d))
