# expect: forbidden
import builtins
print("ESCAPED", builtins.open)
