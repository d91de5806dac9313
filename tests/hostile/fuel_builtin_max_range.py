# expect: fuel|collection_length
# max() over a range of 10**18 numbers.
print(max(range(10**18)))
