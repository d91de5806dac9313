# expect: forbidden
def f():
    return locals()

print(f())
print("ESCAPED")
