# expect: collection_length
# 3M one-character fields.
x = ("a," * 3000000).split(",")
print("ESCAPED", len(x))
