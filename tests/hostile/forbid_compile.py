# expect: forbidden
c = compile("1", "", "eval")
print("ESCAPED", c)
