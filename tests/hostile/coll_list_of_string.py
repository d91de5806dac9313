# expect: collection_length
x = list("x" * 3000000)
print("ESCAPED", len(x))
