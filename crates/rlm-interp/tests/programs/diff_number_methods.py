# `float.hex`, `float.as_integer_ratio`, `int.bit_count`, and the int methods of bools (found by the differential fuzzer, issue #53).
import re, string
from collections import Counter, OrderedDict, defaultdict, deque

try:
    print('(2.0).hex()', repr((2.0).hex()))
except Exception as e:
    print('(2.0).hex()', type(e).__name__)
try:
    print('(0.1).hex()', repr((0.1).hex()))
except Exception as e:
    print('(0.1).hex()', type(e).__name__)
try:
    print('(-2.5).hex()', repr((-2.5).hex()))
except Exception as e:
    print('(-2.5).hex()', type(e).__name__)
try:
    print('(1e308).hex()', repr((1e308).hex()))
except Exception as e:
    print('(1e308).hex()', type(e).__name__)
try:
    print('(5e-324).hex()', repr((5e-324).hex()))
except Exception as e:
    print('(5e-324).hex()', type(e).__name__)
try:
    print('(2.2250738585072014e-308).hex()', repr((2.2250738585072014e-308).hex()))
except Exception as e:
    print('(2.2250738585072014e-308).hex()', type(e).__name__)
try:
    print('(-0.0).hex()', repr((-0.0).hex()))
except Exception as e:
    print('(-0.0).hex()', type(e).__name__)
try:
    print('(0.0).hex()', repr((0.0).hex()))
except Exception as e:
    print('(0.0).hex()', type(e).__name__)
try:
    print("float('inf').hex()", repr(float('inf').hex()))
except Exception as e:
    print("float('inf').hex()", type(e).__name__)
try:
    print("float('-inf').hex()", repr(float('-inf').hex()))
except Exception as e:
    print("float('-inf').hex()", type(e).__name__)
try:
    print("float('nan').hex()", repr(float('nan').hex()))
except Exception as e:
    print("float('nan').hex()", type(e).__name__)
try:
    print('(1.5).as_integer_ratio()', repr((1.5).as_integer_ratio()))
except Exception as e:
    print('(1.5).as_integer_ratio()', type(e).__name__)
try:
    print('(0.1).as_integer_ratio()', repr((0.1).as_integer_ratio()))
except Exception as e:
    print('(0.1).as_integer_ratio()', type(e).__name__)
try:
    print('(-2.5).as_integer_ratio()', repr((-2.5).as_integer_ratio()))
except Exception as e:
    print('(-2.5).as_integer_ratio()', type(e).__name__)
try:
    print('(0.0).as_integer_ratio()', repr((0.0).as_integer_ratio()))
except Exception as e:
    print('(0.0).as_integer_ratio()', type(e).__name__)
try:
    print('(-0.0).as_integer_ratio()', repr((-0.0).as_integer_ratio()))
except Exception as e:
    print('(-0.0).as_integer_ratio()', type(e).__name__)
try:
    print('(1e16).as_integer_ratio()', repr((1e16).as_integer_ratio()))
except Exception as e:
    print('(1e16).as_integer_ratio()', type(e).__name__)
try:
    print('(3.0).as_integer_ratio()', repr((3.0).as_integer_ratio()))
except Exception as e:
    print('(3.0).as_integer_ratio()', type(e).__name__)
try:
    print("float('inf').as_integer_ratio()", repr(float('inf').as_integer_ratio()))
except Exception as e:
    print("float('inf').as_integer_ratio()", type(e).__name__)
try:
    print("float('nan').as_integer_ratio()", repr(float('nan').as_integer_ratio()))
except Exception as e:
    print("float('nan').as_integer_ratio()", type(e).__name__)
try:
    print('(7).bit_count()', repr((7).bit_count()))
except Exception as e:
    print('(7).bit_count()', type(e).__name__)
try:
    print('(-255).bit_count()', repr((-255).bit_count()))
except Exception as e:
    print('(-255).bit_count()', type(e).__name__)
try:
    print('(0).bit_count()', repr((0).bit_count()))
except Exception as e:
    print('(0).bit_count()', type(e).__name__)
try:
    print('(-9223372036854775807 - 1).bit_count()', repr((-9223372036854775807 - 1).bit_count()))
except Exception as e:
    print('(-9223372036854775807 - 1).bit_count()', type(e).__name__)
try:
    print('True.bit_length()', repr(True.bit_length()))
except Exception as e:
    print('True.bit_length()', type(e).__name__)
try:
    print('False.bit_count()', repr(False.bit_count()))
except Exception as e:
    print('False.bit_count()', type(e).__name__)
try:
    print('True.bit_count()', repr(True.bit_count()))
except Exception as e:
    print('True.bit_count()', type(e).__name__)
try:
    print('(True).conjugate()', repr((True).conjugate()))
except Exception as e:
    print('(True).conjugate()', type(e).__name__)
