# expect: string_length
# 100k pieces of 1000 characters: the join result is 100M characters.
piece = "a" * 1000
s = " ".join([piece] * 100000)
print("ESCAPED", len(s))
