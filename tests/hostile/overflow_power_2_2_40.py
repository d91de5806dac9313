# expect: overflow|memory
x = 2**(2**40)
print("ESCAPED", x > 0)
