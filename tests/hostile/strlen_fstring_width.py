# expect: string_length
# Format width from an f-string spec.
x = 1
s = f"{x:>1000000000}"
print("ESCAPED", len(s))
