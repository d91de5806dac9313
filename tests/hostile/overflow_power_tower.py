# expect: overflow|memory
x = 10**10**10
print("ESCAPED", x > 0)
