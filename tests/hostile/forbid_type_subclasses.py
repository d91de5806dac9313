# expect: forbidden
x = type(0).__subclasses__()
print("ESCAPED", x)
