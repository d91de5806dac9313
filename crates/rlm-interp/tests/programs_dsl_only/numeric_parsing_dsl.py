# DSL-only: ints are 64-bit; int() of a float or a digit string past the range, and json.loads of such an integer, raise OverflowError where CPython has big ints (json.loads used to turn the integer into a float, losing digits silently)
import json

for x in [1e300, "123456789012345678901", "9223372036854775808"]:
    try:
        print(int(x))
    except OverflowError as e:
        print("OverflowError", e)
for s in ["123456789012345678901234567890", "[1, -9223372036854775809]"]:
    try:
        print(json.loads(s))
    except OverflowError as e:
        print("OverflowError", e)
