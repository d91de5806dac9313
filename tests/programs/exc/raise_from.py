try:
    try:
        {}["k"]
    except KeyError as e:
        raise ValueError("bad key") from e
except ValueError as e:
    print(type(e).__name__, e)
try:
    raise TypeError("no cause") from None
except TypeError as e:
    print(type(e).__name__, e)
