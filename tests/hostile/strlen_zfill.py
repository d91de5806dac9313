# expect: string_length
s = "-7".zfill(10**10)
print("ESCAPED", len(s))
