# expect: string_length|memory
# Exponential growth by doubling.
s = "a"
while True:
    s = s + s
