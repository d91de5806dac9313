# expect: syntax
class A:
    x = 1

print("ESCAPED", A.x)
