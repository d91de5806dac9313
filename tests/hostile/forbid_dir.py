# expect: forbidden
print(dir())
print("ESCAPED")
