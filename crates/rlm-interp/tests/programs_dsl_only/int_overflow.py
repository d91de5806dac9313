# DSL-only: ints are 64-bit; a result (or intermediate) beyond i64 raises OverflowError where CPython has big ints (`-2 ** 63` itself is an int, the smallest: folded as CPython computes it).
print(2 ** 62 + (2 ** 62 - 1))
print(-(2 ** 62) * 2)
try:
    print(-(2 ** 63) - 1)
except OverflowError as e:
    print("OverflowError", e)
try:
    print(9223372036854775807 + 1)
except OverflowError as e:
    print("OverflowError", e)
print(10 ** 18 * 10)
