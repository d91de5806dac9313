# DSL-only: ints are 64-bit; round() whose int result is past the range (round(1e300), round(2**63 - 1, -1)) raises OverflowError where CPython returns a big int; round(5, -2**63) is 0 where CPython builds 10**(2**63) and never ends
for args in [(1e300,), (-1e19, None), (9223372036854775807, -1), (-9223372036854775807, -3), (9223372036854775807, -19), (9223372036854775807, -20), (5, -9223372036854775808)]:
    try:
        print(round(*args))
    except OverflowError as e:
        print("OverflowError", e)
