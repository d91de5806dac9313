# expect: collection_length
# list(reversed(range)) of 10**18 numbers.
print(len(list(reversed(range(10**18)))))
