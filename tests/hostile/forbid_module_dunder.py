# expect: forbidden
import re
print(re.__dict__)
print("ESCAPED")
