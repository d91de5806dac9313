# expect: syntax
def gen():
    yield 1

print("ESCAPED", list(gen()))
