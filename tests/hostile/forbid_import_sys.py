# expect: forbidden
# `sys` is the DSL's safe module (constants, the recursion limit, stdout):
# its ways out (modules, exit, path, frames) are not there.
import sys
print(sys.version)
m = sys.modules["os"]
print("ESCAPED", m)
