# expect: forbidden
print(eval("1"))
print("ESCAPED")
