# expect: string_length
# str.format width.
s = "{:>1000000000}".format(1)
print("ESCAPED", len(s))
