# expect: string_length
# A 10 GB string in one expression: must be refused before allocating.
s = "a" * 10**10
print("ESCAPED", len(s))
