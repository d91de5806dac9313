# Format specs: unknown codes for floats, `#` with no decimals, a precision without a type, and 3.11's `z` (found by the differential fuzzer, issue #53).
import re, string
from collections import Counter, OrderedDict, defaultdict, deque

try:
    print("format(1.5, 'r')", repr(format(1.5, 'r')))
except Exception as e:
    print("format(1.5, 'r')", type(e).__name__)
try:
    print("format(1.5, 's')", repr(format(1.5, 's')))
except Exception as e:
    print("format(1.5, 's')", type(e).__name__)
try:
    print("format(1.5, 'd')", repr(format(1.5, 'd')))
except Exception as e:
    print("format(1.5, 'd')", type(e).__name__)
try:
    print("format(1.5, 'x')", repr(format(1.5, 'x')))
except Exception as e:
    print("format(1.5, 'x')", type(e).__name__)
try:
    print("f'{2.5:#.0f}'", repr(f'{2.5:#.0f}'))
except Exception as e:
    print("f'{2.5:#.0f}'", type(e).__name__)
try:
    print("format(123456.789, '#.0f')", repr(format(123456.789, '#.0f')))
except Exception as e:
    print("format(123456.789, '#.0f')", type(e).__name__)
try:
    print("format(0.5, '#.0%')", repr(format(0.5, '#.0%')))
except Exception as e:
    print("format(0.5, '#.0%')", type(e).__name__)
try:
    print("format(1.5, '.0f')", repr(format(1.5, '.0f')))
except Exception as e:
    print("format(1.5, '.0f')", type(e).__name__)
try:
    print("format(-1.25, '.1')", repr(format(-1.25, '.1')))
except Exception as e:
    print("format(-1.25, '.1')", type(e).__name__)
try:
    print("format(0.0, '.1')", repr(format(0.0, '.1')))
except Exception as e:
    print("format(0.0, '.1')", type(e).__name__)
try:
    print("format(-0.0, '.1')", repr(format(-0.0, '.1')))
except Exception as e:
    print("format(-0.0, '.1')", type(e).__name__)
try:
    print("format(123.0, '.5')", repr(format(123.0, '.5')))
except Exception as e:
    print("format(123.0, '.5')", type(e).__name__)
try:
    print("format(1e16, '.3')", repr(format(1e16, '.3')))
except Exception as e:
    print("format(1e16, '.3')", type(e).__name__)
try:
    print("format(0.0001234, '.2')", repr(format(0.0001234, '.2')))
except Exception as e:
    print("format(0.0001234, '.2')", type(e).__name__)
try:
    print("format(1234.5, '.4')", repr(format(1234.5, '.4')))
except Exception as e:
    print("format(1234.5, '.4')", type(e).__name__)
try:
    print("format(99.99, '.3')", repr(format(99.99, '.3')))
except Exception as e:
    print("format(99.99, '.3')", type(e).__name__)
try:
    print("format(1.5, '#.3')", repr(format(1.5, '#.3')))
except Exception as e:
    print("format(1.5, '#.3')", type(e).__name__)
try:
    print("'{0:.1}|{0}'.format(2.5)", repr('{0:.1}|{0}'.format(2.5)))
except Exception as e:
    print("'{0:.1}|{0}'.format(2.5)", type(e).__name__)
try:
    print("format(-0.0, 'z.1f')", repr(format(-0.0, 'z.1f')))
except Exception as e:
    print("format(-0.0, 'z.1f')", type(e).__name__)
try:
    print("format(-0.04, 'z.1f')", repr(format(-0.04, 'z.1f')))
except Exception as e:
    print("format(-0.04, 'z.1f')", type(e).__name__)
try:
    print("format(-0.06, 'z.1f')", repr(format(-0.06, 'z.1f')))
except Exception as e:
    print("format(-0.06, 'z.1f')", type(e).__name__)
try:
    print("format(-0.0, 'z')", repr(format(-0.0, 'z')))
except Exception as e:
    print("format(-0.0, 'z')", type(e).__name__)
try:
    print("format(float('-inf'), 'z.1f')", repr(format(float('-inf'), 'z.1f')))
except Exception as e:
    print("format(float('-inf'), 'z.1f')", type(e).__name__)
try:
    print("format(-1e-9, 'z.3e')", repr(format(-1e-9, 'z.3e')))
except Exception as e:
    print("format(-1e-9, 'z.3e')", type(e).__name__)
try:
    print("format(5, 'z')", repr(format(5, 'z')))
except Exception as e:
    print("format(5, 'z')", type(e).__name__)
try:
    print("format('a', 'z')", repr(format('a', 'z')))
except Exception as e:
    print("format('a', 'z')", type(e).__name__)
try:
    print("format([1], 'x>4')", repr(format([1], 'x>4')))
except Exception as e:
    print("format([1], 'x>4')", type(e).__name__)
try:
    print("format({'a': 1}, 'ΣΑΣ')", repr(format({'a': 1}, 'ΣΑΣ')))
except Exception as e:
    print("format({'a': 1}, 'ΣΑΣ')", type(e).__name__)
try:
    print("format(None, '>5')", repr(format(None, '>5')))
except Exception as e:
    print("format(None, '>5')", type(e).__name__)
try:
    print("format((1,), '')", repr(format((1,), '')))
except Exception as e:
    print("format((1,), '')", type(e).__name__)
try:
    print("format([1, 2], '')", repr(format([1, 2], '')))
except Exception as e:
    print("format([1, 2], '')", type(e).__name__)
try:
    print("f'{[1]!s:>6}'", repr(f'{[1]!s:>6}'))
except Exception as e:
    print("f'{[1]!s:>6}'", type(e).__name__)
try:
    print("format(None, '')", repr(format(None, '')))
except Exception as e:
    print("format(None, '')", type(e).__name__)
