# expect: string_length
s = "x".ljust(10**10, "-")
print("ESCAPED", len(s))
