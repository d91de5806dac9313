import math
for v in [2.5, -2.5, 3.0, -0.1, 7.999, -7.999, 0.0]:
    print(v, math.floor(v), math.ceil(v), math.trunc(v), type(math.floor(v)))
print(math.floor(5), math.ceil(-5), math.trunc(-5.5))
