import math
print(math.isclose(0.1 + 0.2, 0.3), 0.1 + 0.2 == 0.3, math.isclose(1.0, 1.1, rel_tol=0.2), math.isclose(0, 1e-10, abs_tol=1e-9))
print(math.fsum([0.1] * 10), sum([0.1] * 10))
print(math.prod([1, 2, 3, 4]), math.prod([]), math.prod([1.5, 2]), math.prod(range(1, 6), start=2))
print(math.copysign(3, -0.0), math.copysign(-2.5, 1), math.fabs(-3), math.hypot(3, 4), math.hypot(1, 1, 1))
print(math.fmod(7, 3), math.fmod(-7, 3), -7 % 3, math.modf(3.75), math.frexp(8.0), math.ldexp(0.5, 4))
print(math.dist([0, 0], [3, 4]), math.remainder(7, 4))
