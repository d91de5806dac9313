# expect: forbidden
import os.path
print("ESCAPED")
