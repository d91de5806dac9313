# A negative `*` width left-justifies; `%c` takes one character or a code point and pads; `%#.0f` keeps its point; `%d` of inf/nan fails (found by the differential fuzzer, issue #53).
import re, string
from collections import Counter, OrderedDict, defaultdict, deque

try:
    print("'%-*d|' % (-2, 2)", repr('%-*d|' % (-2, 2)))
except Exception as e:
    print("'%-*d|' % (-2, 2)", type(e).__name__)
try:
    print("'%*d|' % (-3, 2)", repr('%*d|' % (-3, 2)))
except Exception as e:
    print("'%*d|' % (-3, 2)", type(e).__name__)
try:
    print("'%*s|%-*d' % (8, 'ab', -3, 7)", repr('%*s|%-*d' % (8, 'ab', -3, 7)))
except Exception as e:
    print("'%*s|%-*d' % (8, 'ab', -3, 7)", type(e).__name__)
try:
    print("'%*s|' % (-4, 'x')", repr('%*s|' % (-4, 'x')))
except Exception as e:
    print("'%*s|' % (-4, 'x')", type(e).__name__)
try:
    print("'%c' % 'ab'", repr('%c' % 'ab'))
except Exception as e:
    print("'%c' % 'ab'", type(e).__name__)
try:
    print("'%c' % ''", repr('%c' % ''))
except Exception as e:
    print("'%c' % ''", type(e).__name__)
try:
    print("'%c' % 0x110000", repr('%c' % 0x110000))
except Exception as e:
    print("'%c' % 0x110000", type(e).__name__)
try:
    print("'%c' % -1", repr('%c' % -1))
except Exception as e:
    print("'%c' % -1", type(e).__name__)
try:
    print("'%5c|' % 'a'", repr('%5c|' % 'a'))
except Exception as e:
    print("'%5c|' % 'a'", type(e).__name__)
try:
    print("'%-3c|' % 66", repr('%-3c|' % 66))
except Exception as e:
    print("'%-3c|' % 66", type(e).__name__)
try:
    print("'%c' % 'é'", repr('%c' % 'é'))
except Exception as e:
    print("'%c' % 'é'", type(e).__name__)
try:
    print("'%#.0f' % 2.5", repr('%#.0f' % 2.5))
except Exception as e:
    print("'%#.0f' % 2.5", type(e).__name__)
try:
    print("'%#.0f' % 0.1", repr('%#.0f' % 0.1))
except Exception as e:
    print("'%#.0f' % 0.1", type(e).__name__)
try:
    print("'%#.0e' % 12.5", repr('%#.0e' % 12.5))
except Exception as e:
    print("'%#.0e' % 12.5", type(e).__name__)
try:
    print("'%.0f' % 2.5", repr('%.0f' % 2.5))
except Exception as e:
    print("'%.0f' % 2.5", type(e).__name__)
try:
    print("'%d' % float('inf')", repr('%d' % float('inf')))
except Exception as e:
    print("'%d' % float('inf')", type(e).__name__)
try:
    print("'%d' % float('nan')", repr('%d' % float('nan')))
except Exception as e:
    print("'%d' % float('nan')", type(e).__name__)
try:
    print("'%d' % -2.7", repr('%d' % -2.7))
except Exception as e:
    print("'%d' % -2.7", type(e).__name__)
try:
    print("'%i' % 1e18", repr('%i' % 1e18))
except Exception as e:
    print("'%i' % 1e18", type(e).__name__)
