# expect: nesting
# Two distinct self-containing lists: CPython raises RecursionError comparing them.
x = []
x.append(x)
y = []
y.append(y)
print(x == y)
print("ESCAPED")
