# expect: string_length
# printf-style width.
s = "%1000000000s" % "x"
print("ESCAPED", len(s))
