# expect: forbidden
try:
    try:
        1 / 0
    except ZeroDivisionError:
        raise ValueError("x")
except ValueError as e:
    print("ESCAPED", e.__context__)
