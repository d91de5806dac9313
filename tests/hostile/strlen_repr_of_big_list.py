# expect: string_length
# repr of a list of long strings: the result is far longer than any element.
n = 1
while True:
    s = repr(["q" * 1000] * n)
    n *= 2
print("ESCAPED", len(s))
