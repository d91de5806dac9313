try:
    print(not_defined)
except NameError as e:
    print(type(e).__name__, e)
try:
    prnt("x")
except NameError as e:
    print(type(e).__name__, e)
def f():
    return missing_in_func + 1
try:
    f()
except NameError as e:
    print(type(e).__name__, e)
x = 1
del x
try:
    x
except NameError as e:
    print(type(e).__name__, e)
