import math
print(math.sqrt(16), math.sqrt(2), math.sqrt(0), math.isqrt(17))
print(math.log(math.e), math.log(100, 10), math.log(8, 2), math.log(1))
print(math.log2(1024), math.log10(1000), math.log10(2), math.log1p(0))
print(math.exp(0), math.exp(1), math.exp(-1), math.pow(2, 0.5), math.pow(2, 3))
for bad in [lambda: math.sqrt(-1), lambda: math.log(0), lambda: math.log(-1), lambda: math.log10(-5)]:
    try:
        bad()
    except ValueError as e:
        print(type(e).__name__, e)
try:
    math.exp(1000)
except OverflowError as e:
    print(type(e).__name__, e)
