# expect: string_length
# Width computed at run time inside a nested spec.
w = 10**9
s = f"{'x':{w}}"
print("ESCAPED", len(s))
