# expect: forbidden
x = input()
print("ESCAPED", x)
