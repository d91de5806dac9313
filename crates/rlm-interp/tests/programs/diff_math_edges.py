# Found by the differential fuzzer once its patterns and strings grew (issue
# #59): modf keeps the sign of a zero fraction, an infinity is close only to
# itself, degrees() does not check for overflow, and -2**63 is a 64-bit int.
import math

print(math.modf(-3.0), math.modf(3.0), math.modf(-0.5), math.modf(-math.inf))
print(math.isclose(math.inf, 0.0), math.isclose(math.inf, math.inf), math.isclose(-math.inf, 1e308))
print(math.isclose(1.0, 1.0 + 1e-10), math.isclose(0.0, 1e-12, abs_tol=1e-9))
print(math.degrees(1e308), math.degrees(-1e308), math.radians(180.0))
print(math.floor(-9.223372036854775808e18), math.ceil(-9.223372036854775808e18), math.trunc(-2.0 ** 63))
print(round(-9.223372036854775808e18), int(-2.0 ** 63))
