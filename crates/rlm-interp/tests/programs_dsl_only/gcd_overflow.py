# DSL-only: ints are 64-bit; gcd(-2**63, 0) is 2**63, one past the range: an OverflowError where CPython has big ints (it used to wrap to -2**63).
import math
smallest = -(2 ** 62) * 2
print(math.gcd(-(2 ** 62), 0))
print(math.gcd(smallest, 6))
print(math.lcm(4, 6))
try:
    print(math.lcm(smallest, 1))
except OverflowError as e:
    print("OverflowError", e)
print(math.gcd(smallest, 0))
