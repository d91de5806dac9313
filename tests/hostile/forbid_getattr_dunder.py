# expect: forbidden
x = getattr(0, "__class__")
print("ESCAPED", x)
