# expect: string_length
# A huge precision is as dangerous as a huge width.
s = f"{1.5:.1000000000f}"
print("ESCAPED", len(s))
