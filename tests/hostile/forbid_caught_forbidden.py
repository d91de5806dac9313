# expect: forbidden
# A refused import raises a normal ImportError (programs may catch it, as
# with an optional module), but catching it gains nothing: the name stays
# unbound and every other way to the module is refused as well.
try:
    import os
except ImportError:
    os = None
try:
    os = __import__("os")
except NameError:
    pass
if os is not None:
    print("ESCAPED", os)
import os
print("ESCAPED")
