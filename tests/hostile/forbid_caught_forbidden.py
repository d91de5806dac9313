# expect: forbidden
# A forbidden operation is not a normal exception to catch and ignore.
try:
    import os
except BaseException:
    print("ESCAPED")
print("ESCAPED")
