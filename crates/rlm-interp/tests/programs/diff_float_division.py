# Float floor division and divmod as CPython computes them (from fmod), powers of infinities, and int division correctly rounded past 2**53 (found by the differential fuzzer, issue #53).
import re, string
from collections import Counter, OrderedDict, defaultdict, deque

try:
    print('1.5 // 0.1', repr(1.5 // 0.1))
except Exception as e:
    print('1.5 // 0.1', type(e).__name__)
try:
    print('divmod(0.5, 0.1)', repr(divmod(0.5, 0.1)))
except Exception as e:
    print('divmod(0.5, 0.1)', type(e).__name__)
try:
    print('0.5 // 0.1', repr(0.5 // 0.1))
except Exception as e:
    print('0.5 // 0.1', type(e).__name__)
try:
    print("1.5 // float('-inf')", repr(1.5 // float('-inf')))
except Exception as e:
    print("1.5 // float('-inf')", type(e).__name__)
try:
    print("(-1.5) // float('inf')", repr((-1.5) // float('inf')))
except Exception as e:
    print("(-1.5) // float('inf')", type(e).__name__)
try:
    print("1.5 // float('inf')", repr(1.5 // float('inf')))
except Exception as e:
    print("1.5 // float('inf')", type(e).__name__)
try:
    print("float('inf') // 3.0", repr(float('inf') // 3.0))
except Exception as e:
    print("float('inf') // 3.0", type(e).__name__)
try:
    print("divmod(float('inf'), 0.3)", repr(divmod(float('inf'), 0.3)))
except Exception as e:
    print("divmod(float('inf'), 0.3)", type(e).__name__)
try:
    print("divmod(1.5, float('-inf'))", repr(divmod(1.5, float('-inf'))))
except Exception as e:
    print("divmod(1.5, float('-inf'))", type(e).__name__)
try:
    print('2.2250738585072014e-308 // -1e308', repr(2.2250738585072014e-308 // -1e308))
except Exception as e:
    print('2.2250738585072014e-308 // -1e308', type(e).__name__)
try:
    print('-7.5 // 2', repr(-7.5 // 2))
except Exception as e:
    print('-7.5 // 2', type(e).__name__)
try:
    print('7.5 // -2', repr(7.5 // -2))
except Exception as e:
    print('7.5 // -2', type(e).__name__)
try:
    print('(-0.0) // 5.0', repr((-0.0) // 5.0))
except Exception as e:
    print('(-0.0) // 5.0', type(e).__name__)
try:
    print('0.0 // -5.0', repr(0.0 // -5.0))
except Exception as e:
    print('0.0 // -5.0', type(e).__name__)
try:
    print('1e308 // 1e-308', repr(1e308 // 1e-308))
except Exception as e:
    print('1e308 // 1e-308', type(e).__name__)
try:
    print("float('-inf') ** 2.5", repr(float('-inf') ** 2.5))
except Exception as e:
    print("float('-inf') ** 2.5", type(e).__name__)
try:
    print("float('-inf') ** 3", repr(float('-inf') ** 3))
except Exception as e:
    print("float('-inf') ** 3", type(e).__name__)
try:
    print("float('-inf') ** -2.5", repr(float('-inf') ** -2.5))
except Exception as e:
    print("float('-inf') ** -2.5", type(e).__name__)
try:
    print("(-2.0) ** float('inf')", repr((-2.0) ** float('inf')))
except Exception as e:
    print("(-2.0) ** float('inf')", type(e).__name__)
try:
    print("(-0.5) ** float('inf')", repr((-0.5) ** float('inf')))
except Exception as e:
    print("(-0.5) ** float('inf')", type(e).__name__)
try:
    print("(-2.0) ** float('-inf')", repr((-2.0) ** float('-inf')))
except Exception as e:
    print("(-2.0) ** float('-inf')", type(e).__name__)
try:
    print('66666666666666666 / 3', repr(66666666666666666 / 3))
except Exception as e:
    print('66666666666666666 / 3', type(e).__name__)
try:
    print('2**62 / 3', repr(2**62 / 3))
except Exception as e:
    print('2**62 / 3', type(e).__name__)
try:
    print('(2**53 + 1) / 1', repr((2**53 + 1) / 1))
except Exception as e:
    print('(2**53 + 1) / 1', type(e).__name__)
try:
    print('10**18 / 7', repr(10**18 / 7))
except Exception as e:
    print('10**18 / 7', type(e).__name__)
try:
    print('-(10**18) / 7', repr(-(10**18) / 7))
except Exception as e:
    print('-(10**18) / 7', type(e).__name__)
try:
    print('9223372036854775807 / 9223372036854775806', repr(9223372036854775807 / 9223372036854775806))
except Exception as e:
    print('9223372036854775807 / 9223372036854775806', type(e).__name__)
try:
    print('(2**53 + 1) / (2**53 + 3)', repr((2**53 + 1) / (2**53 + 3)))
except Exception as e:
    print('(2**53 + 1) / (2**53 + 3)', type(e).__name__)
try:
    print('-9007199254740993 / 1', repr(-9007199254740993 / 1))
except Exception as e:
    print('-9007199254740993 / 1', type(e).__name__)
try:
    print('0 / -(2**60)', repr(0 / -(2**60)))
except Exception as e:
    print('0 / -(2**60)', type(e).__name__)
try:
    print('1 / 3', repr(1 / 3))
except Exception as e:
    print('1 / 3', type(e).__name__)
try:
    print('(-9223372036854775807 - 1) << 0', repr((-9223372036854775807 - 1) << 0))
except Exception as e:
    print('(-9223372036854775807 - 1) << 0', type(e).__name__)
try:
    print('(-2**62) << 1', repr((-2**62) << 1))
except Exception as e:
    print('(-2**62) << 1', type(e).__name__)
try:
    print('3 << 61', repr(3 << 61))
except Exception as e:
    print('3 << 61', type(e).__name__)
try:
    print('1 << 62', repr(1 << 62))
except Exception as e:
    print('1 << 62', type(e).__name__)
try:
    print("0.0 ** float('-inf')", repr(0.0 ** float('-inf')))
except Exception as e:
    print("0.0 ** float('-inf')", type(e).__name__)
try:
    print("-(0.0 ** float('-inf'))", repr(-(0.0 ** float('-inf'))))
except Exception as e:
    print("-(0.0 ** float('-inf'))", type(e).__name__)
try:
    print('0.0 ** -1.0', repr(0.0 ** -1.0))
except Exception as e:
    print('0.0 ** -1.0', type(e).__name__)
try:
    print('(-0.0) ** -3.0', repr((-0.0) ** -3.0))
except Exception as e:
    print('(-0.0) ** -3.0', type(e).__name__)
try:
    print("0.0 ** float('inf')", repr(0.0 ** float('inf')))
except Exception as e:
    print("0.0 ** float('inf')", type(e).__name__)
try:
    print("pow(float('inf'), True, None)", repr(pow(float('inf'), True, None)))
except Exception as e:
    print("pow(float('inf'), True, None)", type(e).__name__)
try:
    print('pow(2, 10, None)', repr(pow(2, 10, None)))
except Exception as e:
    print('pow(2, 10, None)', type(e).__name__)
try:
    print('pow(2.5, 2, None)', repr(pow(2.5, 2, None)))
except Exception as e:
    print('pow(2.5, 2, None)', type(e).__name__)
try:
    print('pow(2, -1, None)', repr(pow(2, -1, None)))
except Exception as e:
    print('pow(2, -1, None)', type(e).__name__)
try:
    print('pow(3, 4, 5)', repr(pow(3, 4, 5)))
except Exception as e:
    print('pow(3, 4, 5)', type(e).__name__)
try:
    print('pow(2, 3, 0)', repr(pow(2, 3, 0)))
except Exception as e:
    print('pow(2, 3, 0)', type(e).__name__)
try:
    print('pow(2.0, 3, 5)', repr(pow(2.0, 3, 5)))
except Exception as e:
    print('pow(2.0, 3, 5)', type(e).__name__)
