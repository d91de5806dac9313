# expect: forbidden
print(vars())
print("ESCAPED")
