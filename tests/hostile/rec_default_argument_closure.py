# expect: recursion
# Recursion via closures created on each call.
def make(n):
    def inner():
        return make(n + 1)()
    return inner

make(0)()
print("ESCAPED")
