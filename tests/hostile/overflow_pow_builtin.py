# expect: overflow|memory
x = pow(7, 10**12)
print("ESCAPED", x > 0)
