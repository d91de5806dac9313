# expect: fuel|collection_length
# A loop over enumerate(range(10**18)).
for i, x in enumerate(range(10**18)):
    pass
