# expect: recursion
# Recursion through a lambda bound as a default argument.
f = lambda n, g=None: (g or f)(n + 1)
f(0)
print("ESCAPED")
