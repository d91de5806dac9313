# expect: syntax
def make():
    class Local:
        pass
    return Local

print("ESCAPED", make())
