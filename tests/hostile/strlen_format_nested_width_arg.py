# expect: string_length
# Width passed as a format argument.
s = "{:{}}".format("x", 10**9)
print("ESCAPED", len(s))
