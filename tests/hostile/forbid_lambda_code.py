# expect: forbidden
c = (lambda: 0).__code__
print("ESCAPED", c)
