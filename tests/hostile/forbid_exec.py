# expect: forbidden
exec("x = 1")
print("ESCAPED")
