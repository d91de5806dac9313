# expect: forbidden
import os
print("ESCAPED", os.listdir("."))
