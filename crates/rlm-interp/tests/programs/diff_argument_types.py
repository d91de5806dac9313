# Sizes, counts and indices must be ints: zfill, expandtabs, center, splitlines, split, list.pop, index bounds, deque.rotate and maxlen, sum's arity, chr past a C int (found by the differential fuzzer, issue #53).
import re, string
from collections import Counter, OrderedDict, defaultdict, deque

try:
    print("'ab'.zfill(2.5)", repr('ab'.zfill(2.5)))
except Exception as e:
    print("'ab'.zfill(2.5)", type(e).__name__)
try:
    print("'ab'.zfill('3')", repr('ab'.zfill('3')))
except Exception as e:
    print("'ab'.zfill('3')", type(e).__name__)
try:
    print("'a\\tb'.expandtabs('x')", repr('a\tb'.expandtabs('x')))
except Exception as e:
    print("'a\\tb'.expandtabs('x')", type(e).__name__)
try:
    print("'a\\tb'.expandtabs(tabsize=4)", repr('a\tb'.expandtabs(tabsize=4)))
except Exception as e:
    print("'a\\tb'.expandtabs(tabsize=4)", type(e).__name__)
try:
    print("'a\\tb'.expandtabs(True)", repr('a\tb'.expandtabs(True)))
except Exception as e:
    print("'a\\tb'.expandtabs(True)", type(e).__name__)
try:
    print("'a'.center(3.0)", repr('a'.center(3.0)))
except Exception as e:
    print("'a'.center(3.0)", type(e).__name__)
try:
    print("'a'.ljust(None)", repr('a'.ljust(None)))
except Exception as e:
    print("'a'.ljust(None)", type(e).__name__)
try:
    print("'a'.rjust(3, '*')", repr('a'.rjust(3, '*')))
except Exception as e:
    print("'a'.rjust(3, '*')", type(e).__name__)
try:
    print("'a\\nb'.splitlines('x')", repr('a\nb'.splitlines('x')))
except Exception as e:
    print("'a\\nb'.splitlines('x')", type(e).__name__)
try:
    print("'a\\nb'.splitlines(1)", repr('a\nb'.splitlines(1)))
except Exception as e:
    print("'a\\nb'.splitlines(1)", type(e).__name__)
try:
    print("'a\\nb'.splitlines(keepends=True)", repr('a\nb'.splitlines(keepends=True)))
except Exception as e:
    print("'a\\nb'.splitlines(keepends=True)", type(e).__name__)
try:
    print("'a b'.split(None, 1.0)", repr('a b'.split(None, 1.0)))
except Exception as e:
    print("'a b'.split(None, 1.0)", type(e).__name__)
try:
    print("'a b c'.rsplit(' ', True)", repr('a b c'.rsplit(' ', True)))
except Exception as e:
    print("'a b c'.rsplit(' ', True)", type(e).__name__)
try:
    print('[1, 2].pop(None)', repr([1, 2].pop(None)))
except Exception as e:
    print('[1, 2].pop(None)', type(e).__name__)
try:
    print("[1, 2].pop('0')", repr([1, 2].pop('0')))
except Exception as e:
    print("[1, 2].pop('0')", type(e).__name__)
try:
    print('[1, 2].pop(True)', repr([1, 2].pop(True)))
except Exception as e:
    print('[1, 2].pop(True)', type(e).__name__)
try:
    print('[1, 2, 3].index(3, None)', repr([1, 2, 3].index(3, None)))
except Exception as e:
    print('[1, 2, 3].index(3, None)', type(e).__name__)
try:
    print('(1, None).index(None, [])', repr((1, None).index(None, [])))
except Exception as e:
    print('(1, None).index(None, [])', type(e).__name__)
try:
    print('(1, 2, 3).index(3, -1)', repr((1, 2, 3).index(3, -1)))
except Exception as e:
    print('(1, 2, 3).index(3, -1)', type(e).__name__)
try:
    print('[1, 2, 3].index(2, 0, 1)', repr([1, 2, 3].index(2, 0, 1)))
except Exception as e:
    print('[1, 2, 3].index(2, 0, 1)', type(e).__name__)
try:
    print('deque([1, -1]).index(True, True)', repr(deque([1, -1]).index(True, True)))
except Exception as e:
    print('deque([1, -1]).index(True, True)', type(e).__name__)
try:
    print('deque([1, 2, 3]).index(3, -1)', repr(deque([1, 2, 3]).index(3, -1)))
except Exception as e:
    print('deque([1, 2, 3]).index(3, -1)', type(e).__name__)
try:
    print('deque([1, 2, 3]).index(1, 1, 3)', repr(deque([1, 2, 3]).index(1, 1, 3)))
except Exception as e:
    print('deque([1, 2, 3]).index(1, 1, 3)', type(e).__name__)
try:
    print("deque([1, 2]).index(2, 'a')", repr(deque([1, 2]).index(2, 'a')))
except Exception as e:
    print("deque([1, 2]).index(2, 'a')", type(e).__name__)
try:
    print('deque([1]).rotate(None)', repr(deque([1]).rotate(None)))
except Exception as e:
    print('deque([1]).rotate(None)', type(e).__name__)
try:
    print('deque([1, 2, 3]).rotate(True)', repr(deque([1, 2, 3]).rotate(True)))
except Exception as e:
    print('deque([1, 2, 3]).rotate(True)', type(e).__name__)
try:
    print('deque([1], maxlen=-1)', repr(deque([1], maxlen=-1)))
except Exception as e:
    print('deque([1], maxlen=-1)', type(e).__name__)
try:
    print('deque([1, 2], maxlen=None)', repr(deque([1, 2], maxlen=None)))
except Exception as e:
    print('deque([1, 2], maxlen=None)', type(e).__name__)
try:
    print('deque([1, 2], maxlen=1.0)', repr(deque([1, 2], maxlen=1.0)))
except Exception as e:
    print('deque([1, 2], maxlen=1.0)', type(e).__name__)
try:
    print('sum([1], 0, 0)', repr(sum([1], 0, 0)))
except Exception as e:
    print('sum([1], 0, 0)', type(e).__name__)
try:
    print('sum([1, 2], 3)', repr(sum([1, 2], 3)))
except Exception as e:
    print('sum([1, 2], 3)', type(e).__name__)
try:
    print('chr(2**31)', repr(chr(2**31)))
except Exception as e:
    print('chr(2**31)', type(e).__name__)
try:
    print('chr(-2**31 - 1)', repr(chr(-2**31 - 1)))
except Exception as e:
    print('chr(-2**31 - 1)', type(e).__name__)
try:
    print('chr(2**31 - 1)', repr(chr(2**31 - 1)))
except Exception as e:
    print('chr(2**31 - 1)', type(e).__name__)
try:
    print('chr(-1)', repr(chr(-1)))
except Exception as e:
    print('chr(-1)', type(e).__name__)
try:
    print('chr(1114111)', repr(chr(1114111)))
except Exception as e:
    print('chr(1114111)', type(e).__name__)
try:
    print("'ab'.startswith('', 5)", repr('ab'.startswith('', 5)))
except Exception as e:
    print("'ab'.startswith('', 5)", type(e).__name__)
try:
    print("'ab'.endswith('', 2)", repr('ab'.endswith('', 2)))
except Exception as e:
    print("'ab'.endswith('', 2)", type(e).__name__)
try:
    print("'ab'.startswith(('a', 1))", repr('ab'.startswith(('a', 1))))
except Exception as e:
    print("'ab'.startswith(('a', 1))", type(e).__name__)
try:
    print("'\\x00'.startswith((-3, None), 2)", repr('\x00'.startswith((-3, None), 2)))
except Exception as e:
    print("'\\x00'.startswith((-3, None), 2)", type(e).__name__)
try:
    print("'a'.startswith(1.5, 2, 12)", repr('a'.startswith(1.5, 2, 12)))
except Exception as e:
    print("'a'.startswith(1.5, 2, 12)", type(e).__name__)
try:
    print("''.find(' ', True, [])", repr(''.find(' ', True, [])))
except Exception as e:
    print("''.find(' ', True, [])", type(e).__name__)
try:
    print("'ab'.find('', 3)", repr('ab'.find('', 3)))
except Exception as e:
    print("'ab'.find('', 3)", type(e).__name__)
try:
    print("'ab'.find('', 2)", repr('ab'.find('', 2)))
except Exception as e:
    print("'ab'.find('', 2)", type(e).__name__)
try:
    print("[].pop('x')", repr([].pop('x')))
except Exception as e:
    print("[].pop('x')", type(e).__name__)
try:
    print('[].pop()', repr([].pop()))
except Exception as e:
    print('[].pop()', type(e).__name__)
try:
    print('(0).as_integer_ratio()', repr((0).as_integer_ratio()))
except Exception as e:
    print('(0).as_integer_ratio()', type(e).__name__)
try:
    print('(-7).as_integer_ratio()', repr((-7).as_integer_ratio()))
except Exception as e:
    print('(-7).as_integer_ratio()', type(e).__name__)
try:
    print('True.as_integer_ratio()', repr(True.as_integer_ratio()))
except Exception as e:
    print('True.as_integer_ratio()', type(e).__name__)
try:
    print("'aaa'.replace('a', 'b', 1.5)", repr('aaa'.replace('a', 'b', 1.5)))
except Exception as e:
    print("'aaa'.replace('a', 'b', 1.5)", type(e).__name__)
try:
    print("'aaa'.replace('a', 'b', None)", repr('aaa'.replace('a', 'b', None)))
except Exception as e:
    print("'aaa'.replace('a', 'b', None)", type(e).__name__)
try:
    print("'aaa'.replace('a', 'b', True)", repr('aaa'.replace('a', 'b', True)))
except Exception as e:
    print("'aaa'.replace('a', 'b', True)", type(e).__name__)
try:
    print("'aaa'.replace('a', 'b', -1)", repr('aaa'.replace('a', 'b', -1)))
except Exception as e:
    print("'aaa'.replace('a', 'b', -1)", type(e).__name__)
