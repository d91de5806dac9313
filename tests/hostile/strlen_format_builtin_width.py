# expect: string_length
# format() builtin with a huge zero-padded width.
s = format(3.25, "01000000000.2f")
print("ESCAPED", len(s))
