# expect: fuel|collection_length
# sum() over a range of 10**18 numbers.
print(sum(range(10**18)))
