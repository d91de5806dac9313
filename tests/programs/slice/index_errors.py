for obj in ("abc", [1, 2, 3], (1, 2, 3), range(3)):
    try:
        obj[3]
    except IndexError as e:
        print(type(e).__name__, e)
    try:
        obj[-4]
    except IndexError as e:
        print(type(e).__name__, e)
try:
    [1, 2][1:2:0]
except ValueError as e:
    print(type(e).__name__, e)
try:
    key = "x"
    "abc"[key]
except TypeError as e:
    print(type(e).__name__, e)
