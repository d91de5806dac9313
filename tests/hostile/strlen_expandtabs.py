# expect: string_length
# Each tab expands to a billion spaces.
s = "a\tb\tc".expandtabs(10**9)
print("ESCAPED", len(s))
