# expect: forbidden
from os import *
print("ESCAPED")
