# expect: forbidden
# type(name, bases, dict) creates a class: classes are not in the DSL.
C = type("C", (), {"x": 1})
print("ESCAPED", C)
