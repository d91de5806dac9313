# expect: forbidden
# The attribute name is computed at run time: the check cannot be only syntactic.
name = "_" * 2 + "class" + "_" * 2
x = getattr(0, name)
print("ESCAPED", x)
