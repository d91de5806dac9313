# expect: string_length
# Same, with the int on the left.
s = 10**10 * "ab"
print("ESCAPED", len(s))
