# expect: string_length
# Replacing the empty string inserts the replacement between every character.
s = "x" * 1000
r = s.replace("", "y" * 10**6)
print("ESCAPED", len(r))
