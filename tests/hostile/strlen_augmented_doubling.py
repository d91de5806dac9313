# expect: string_length|memory
# Exponential growth with augmented assignment.
s = "ab"
while True:
    s += s
