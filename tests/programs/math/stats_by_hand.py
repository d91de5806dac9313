import math
data = [2, 4, 4, 4, 5, 5, 7, 9]
n = len(data)
mean = sum(data) / n
var = sum((x - mean) ** 2 for x in data) / n
print(mean, var, math.sqrt(var))
s = sorted(data)
median = (s[n // 2 - 1] + s[n // 2]) / 2 if n % 2 == 0 else s[n // 2]
print(median, max(data) - min(data))
print(f"{mean:.2f} ± {math.sqrt(var):.2f}")
