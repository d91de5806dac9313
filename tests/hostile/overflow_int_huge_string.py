# expect: overflow|memory|string_length
# A million-digit integer literal built at run time (CPython itself refuses > 4300 digits).
x = int("9" * 10**6)
print("ESCAPED", x > 0)
