# expect: forbidden
x = ().__class__.__bases__[0].__subclasses__()
print("ESCAPED", len(x))
