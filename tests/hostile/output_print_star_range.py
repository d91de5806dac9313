# expect: output|collection_length
print(*range(10**8))
print("ESCAPED")
