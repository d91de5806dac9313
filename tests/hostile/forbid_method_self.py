# expect: forbidden
m = "abc".upper
print(m.__self__)
print("ESCAPED")
