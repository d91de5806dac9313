# expect: collection_length
# 10**8 distinct keys inserted one by one.
d = {}
for i in range(10**8):
    d[i] = i
print("ESCAPED", len(d))
