# expect: forbidden
def f():
    return 1

print(f.__dict__)
print("ESCAPED")
