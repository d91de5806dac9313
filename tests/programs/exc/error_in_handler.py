try:
    try:
        raise ValueError("first")
    except ValueError:
        raise TypeError("second")
except TypeError as e:
    print(type(e).__name__, e)
try:
    try:
        raise ValueError("a")
    finally:
        print("finally sees exception passing")
except ValueError as e:
    print("outer", e)
