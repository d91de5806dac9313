# expect: string_length
# printf-style width taken from the arguments.
s = "%*d" % (10**9, 7)
print("ESCAPED", len(s))
