# expect: forbidden
import sys
print("ESCAPED", sys.version)
