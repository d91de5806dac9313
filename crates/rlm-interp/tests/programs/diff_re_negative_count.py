# re.sub with a negative count and re.split with a negative maxsplit change nothing in 3.11 (found by the differential fuzzer, issue #53).
import re, string
from collections import Counter, OrderedDict, defaultdict, deque

try:
    print("re.sub('.', 'x', 'abc', count=-1)", repr(re.sub('.', 'x', 'abc', count=-1)))
except Exception as e:
    print("re.sub('.', 'x', 'abc', count=-1)", type(e).__name__)
try:
    print("re.subn('.', 'x', 'abc', count=-2)", repr(re.subn('.', 'x', 'abc', count=-2)))
except Exception as e:
    print("re.subn('.', 'x', 'abc', count=-2)", type(e).__name__)
try:
    print("re.sub('.', 'x', 'abc', count=0)", repr(re.sub('.', 'x', 'abc', count=0)))
except Exception as e:
    print("re.sub('.', 'x', 'abc', count=0)", type(e).__name__)
try:
    print("re.split('b', 'abc', maxsplit=-1)", repr(re.split('b', 'abc', maxsplit=-1)))
except Exception as e:
    print("re.split('b', 'abc', maxsplit=-1)", type(e).__name__)
try:
    print("re.split('b', 'abcb', maxsplit=0)", repr(re.split('b', 'abcb', maxsplit=0)))
except Exception as e:
    print("re.split('b', 'abcb', maxsplit=0)", type(e).__name__)
try:
    print("re.split('(b)', 'abcb', maxsplit=1)", repr(re.split('(b)', 'abcb', maxsplit=1)))
except Exception as e:
    print("re.split('(b)', 'abcb', maxsplit=1)", type(e).__name__)
try:
    print("re.compile('b').sub('', 'bb', -1)", repr(re.compile('b').sub('', 'bb', -1)))
except Exception as e:
    print("re.compile('b').sub('', 'bb', -1)", type(e).__name__)
