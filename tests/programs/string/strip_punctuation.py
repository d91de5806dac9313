import string
text = "Hello, world! It's (really) great -- isn't it?"
table = str.maketrans("", "", string.punctuation)
print(text.translate(table))
words = [w.strip(string.punctuation).lower() for w in text.split()]
print([w for w in words if w])
print("".join(c for c in text if c not in string.punctuation + string.whitespace))
print("--==hi==--".strip(string.punctuation), "  x \t\n".strip(string.whitespace))
spaced = str.maketrans({c: " " for c in string.punctuation})
print(" ".join("a,b;c.d".translate(spaced).split()))
