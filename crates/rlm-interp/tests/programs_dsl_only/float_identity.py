# DSL-only: a float is a value without an identity, so the same nan object in two places is two nans: CPython's containers find it by identity (`x in [x]`, `[x] == [x]`, a dict key), here it equals nothing, as `x == x` is False in both
import math
x = float('nan')
print(x == x, [x] == [x], x in [x], [x].count(x), (x,) == (x,), {x: 1}.get(x), x in {x}, [math.nan] == [math.nan])
print([float('nan')] == [float('nan')], float('nan') in [float('nan')], {float('nan'): 1}.get(float('nan')))
