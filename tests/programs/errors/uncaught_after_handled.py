try:
    int("x")
except ValueError as e:
    print("handled", e)
finally:
    print("finally")
[][0]
