# expect: string_length
# Joining ever more 1000-character pieces: the result grows 1000x faster
# than the list, so the string cap trips first.
piece = "a" * 1000
n = 1
while True:
    s = " ".join([piece] * n)
    n *= 2
print("ESCAPED", len(s))
