# expect: overflow|memory|fuel
import math
x = math.factorial(10**9)
print("ESCAPED", x > 0)
