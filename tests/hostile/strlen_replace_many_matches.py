# expect: string_length
# Every character replaced by 1000: the result outgrows the text 1000x.
s = "ab"
while True:
    t = s.replace("a", "z" * 1000)
    s = s + s
print("ESCAPED", len(t))
