# expect: forbidden
x = 1
print(f"{x.__class__.__mro__}")
print("ESCAPED")
