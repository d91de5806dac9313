# expect: syntax
def gen():
    yield from [1, 2]

print("ESCAPED")
