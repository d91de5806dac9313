import math
print(math.gcd(12, 18), math.gcd(0, 5), math.gcd(-4, 6), math.gcd(7, 13), math.gcd(12, 18, 27))
print(math.lcm(4, 6), math.lcm(3, 5, 7), math.lcm(0, 3))
print(math.factorial(0), math.factorial(5), math.factorial(20))
print(math.comb(5, 2), math.comb(10, 0), math.comb(3, 5), math.comb(52, 5))
print(math.perm(5, 2), math.perm(5), math.perm(3, 0))
for bad in [lambda: math.factorial(-1), lambda: math.comb(-1, 2)]:
    try:
        bad()
    except ValueError as e:
        print(type(e).__name__, e)
