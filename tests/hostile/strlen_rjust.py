# expect: string_length
s = "x".rjust(10**10)
print("ESCAPED", len(s))
