# expect: overflow
# math.lcm with the most negative i64: its absolute value does not fit in an
# i64 (found by the hostile generator: a native negation overflowed). CPython
# answers a big int; with i64 ints this is an OverflowError.
import math
print(math.lcm(3, -2**62 * 2))
print("ESCAPED")
