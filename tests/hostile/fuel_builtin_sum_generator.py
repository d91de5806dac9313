# expect: fuel|collection_length
# Work done inside a builtin consuming a generator must be charged.
print(sum(x * x for x in range(10**12)))
print("ESCAPED")
