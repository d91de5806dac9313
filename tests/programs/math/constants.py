import math
print(math.pi, math.e, math.tau, math.inf, -math.inf, math.nan)
print(math.inf > 1e308, math.isinf(math.inf), math.isnan(math.nan), math.isfinite(1.0), math.isfinite(math.inf))
print(round(math.pi, 4), f"{math.pi:.10f}", f"{math.e:.3e}")
