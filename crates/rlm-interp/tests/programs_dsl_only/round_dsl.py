# DSL-only: ints are 64-bit; round() whose int result is past the range (round(1e300), round(2**63 - 1, -1)) raises OverflowError where CPython returns a big int
for args in [(1e300,), (-1e19, None), (9223372036854775807, -1), (-9223372036854775807, -3), (9223372036854775807, -19), (9223372036854775807, -20)]:
    try:
        print(round(*args))
    except OverflowError as e:
        print("OverflowError", e)
