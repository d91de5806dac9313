# expect: forbidden
print(object.__subclasses__())
print("ESCAPED")
