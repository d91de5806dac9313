# expect: forbidden
print(__builtins__)
print("ESCAPED")
