# expect: forbidden
print(globals())
print("ESCAPED")
