e = "before"
try:
    raise ValueError("x")
except ValueError as e:
    print("in handler", e)
try:
    print(e)
except NameError as err:
    print(type(err).__name__, err)
msg = None
try:
    [].pop()
except IndexError as err2:
    msg = str(err2)
print(msg)
