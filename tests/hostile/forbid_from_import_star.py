# expect: forbidden|syntax
from os import *
print("ESCAPED")
