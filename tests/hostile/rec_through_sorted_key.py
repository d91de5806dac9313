# expect: recursion
# Recursion that passes through a builtin (sorted calls the key) must be counted too.
def key(x):
    return sorted([x], key=key)

key(1)
print("ESCAPED")
