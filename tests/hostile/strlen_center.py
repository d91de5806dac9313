# expect: string_length
s = "x".center(10**10)
print("ESCAPED", len(s))
