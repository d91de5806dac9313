# Ints and floats compared and hashed exactly at every magnitude, as CPython does (issue #76): 2**63 - 1 against 2.0**63, 2**53 + 1 against 2.0**53, in ==, <, sets, dict keys, sorted, min and max, in and count; a sequence ordered by its first differing items' own operator (a set inside a tuple is a subset test, a nan is unordered).
big = 9223372036854775807
low = -big - 1
f63 = 9223372036854775808.0
print(big == f63, big < f63, big <= f63, big > f63, f63 > big, f63 == big, big != f63)
print(2**53 + 1 == 2.0**53, 2**53 + 1 > 2.0**53, 2**53 == 2.0**53, low == -f63, low < -f63, low > -f63 - 4096)
print(hash(2.0**62) == hash(2**62), hash(-f63) == hash(low), hash(9.2e18) == hash(9200000000000000000))
d = {2**62: 'int'}
print(d.get(2.0**62), 9.2e18 in {9200000000000000000}, 9200000000000000000 in {9.2e18}, f63 in {big})
print(sorted({2**53 + 1, 2.0**53}), len({2**53 + 1, float(2**53 + 1)}), {2**53: 1, 2.0**53: 2})
print(sorted([2**53 + 1, 2.0**53, 2**53, 9007199254740993.0, big, f63, -f63, low]))
print(max(big, f63), min(big, f63), max(f63, big), min(low, -f63))
print(sorted([3, 2.5, True, 1, 0.5, False, -0.0, 0]))
print(1 < 1.5 < 2, 3 == 3.0, 0.1 + 0.2 == 0.3, (2**53 + 1) / 1 == 2**53 + 1)
print([1, 2.0] == [1.0, 2], (1, 2**53 + 1) < (1, 2.0**53 + 2), (1, float('nan')) < (1, 2), [float('nan')] <= [1])
print(((1, {2}) < (1, {1})), ([1, {2}] <= [1, {1, 2}]), ((1,) < (1, 2)), ([] < [0]))
print(big in [f63], f63 in [big], [big].count(f63), [f63].index(9.223372036854775807e18))
print(big == float(big), float(big) == f63)
print(round(2.5) == 2, 10**15 + 0.5 > 10**15, 123456789012345678 == 123456789012345678.0, 123456789012345680 == 123456789012345678.0)
import math
print(math.inf > big, -math.inf < low, math.nan == 1, math.nan != 1, 1 < math.nan, 1 >= math.nan)
print(sorted({2**62, 2.0**62 + 2**10, 4.611686018427388e18}), True == 1.0, hash(True) == hash(1.0))
print(sorted([0.1, 1, 0.01, 10, -1, -0.5], reverse=True))
import sys
from datetime import datetime, timedelta, date
a, b = datetime(2023, 1, 2), datetime(2023, 5, 1)
print(a < b, a >= b, timedelta(1) < timedelta(2), sys.version_info >= (3, 8), (3, 11) < sys.version_info, sys.version_info < (4,))
for x, y in [(1, 'a'), ('a', 1), ([1], (1,)), ({1}, [1]), (a, 1), (None, None), (a, date(2023, 1, 1)), ({1}, {1, 2}), ({'a': 1}.keys(), {'a', 'b'}), ((1, 'a'), (1, 2)), ([1, [2]], [1, [None]])]:
    try:
        print(repr(x) [:30], x < y, x <= y, x > y, x >= y)
    except TypeError as e:
        print('TypeError', e)
print(sorted([b, a]), max(timedelta(3), timedelta(1)), min([(2, 'b'), (1, 'z'), (2, 'a')]))
