import math
print(math.sin(0), math.cos(0), math.tan(0))
print(round(math.sin(math.pi / 2), 12), round(math.cos(math.pi), 12))
print(math.atan2(1, 1), math.degrees(math.pi), math.radians(180))
print(math.asin(1), math.acos(1), math.atan(1))
print(f"{math.sin(1):.6f} {math.cos(1):.6f} {math.tan(1):.6f}")
