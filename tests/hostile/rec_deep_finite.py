# expect: recursion
# Terminates in CPython only with a huge recursion limit; must hit the depth cap.
def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)

print(depth(10**6))
print("ESCAPED")
