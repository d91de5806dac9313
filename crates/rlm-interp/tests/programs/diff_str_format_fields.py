# str.format and format_map as CPython's unicode_format.h (issue #76): an index is a part that is all decimal digits (so [-1] is the key '-1'), '.attr' and '[key]' parts and their errors, automatic and manual numbering, conversions, nested specs two levels deep, and format_map's lookups as m[name] (a defaultdict's or a Counter's __missing__, any object when nothing is looked up).
try:
    print("'{a[-1]}'.format(a={'-1': 'neg'})", repr('{a[-1]}'.format(a={'-1': 'neg'})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{a[-1]}'.format(a={'-1': 'neg'})", type(ex).__name__, ex)
try:
    print("'{a[-1]}'.format(a=[1, 2])", repr('{a[-1]}'.format(a=[1, 2])))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{a[-1]}'.format(a=[1, 2])", type(ex).__name__, ex)
try:
    print("'{a[1]}'.format(a=[1, 2])", repr('{a[1]}'.format(a=[1, 2])))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{a[1]}'.format(a=[1, 2])", type(ex).__name__, ex)
try:
    print("'{a[1]}'.format(a={1: 'int', '1': 'str'})", repr('{a[1]}'.format(a={1: 'int', '1': 'str'})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{a[1]}'.format(a={1: 'int', '1': 'str'})", type(ex).__name__, ex)
try:
    print("'{a[x]}'.format(a={'x': 5})", repr('{a[x]}'.format(a={'x': 5})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{a[x]}'.format(a={'x': 5})", type(ex).__name__, ex)
try:
    print("'{0[0]}'.format('abc')", repr('{0[0]}'.format('abc')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[0]}'.format('abc')", type(ex).__name__, ex)
try:
    print("'{0[٠]}'.format('abc')", repr('{0[٠]}'.format('abc')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[٠]}'.format('abc')", type(ex).__name__, ex)
try:
    print("'{٠}'.format('z')", repr('{٠}'.format('z')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{٠}'.format('z')", type(ex).__name__, ex)
try:
    print("'{0.real}'.format(3)", repr('{0.real}'.format(3)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0.real}'.format(3)", type(ex).__name__, ex)
try:
    print("'{0.imag}'.format(3.5)", repr('{0.imag}'.format(3.5)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0.imag}'.format(3.5)", type(ex).__name__, ex)
try:
    print("'{0.upper}'.format('a')[:25]", repr('{0.upper}'.format('a')[:25]))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0.upper}'.format('a')[:25]", type(ex).__name__, ex)
try:
    print("'{0[1][0]}'.format([1, [2]])", repr('{0[1][0]}'.format([1, [2]])))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[1][0]}'.format([1, [2]])", type(ex).__name__, ex)
try:
    print("'{0[1]x}'.format([1, 2])", repr('{0[1]x}'.format([1, 2])))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[1]x}'.format([1, 2])", type(ex).__name__, ex)
try:
    print("'{0[1'.format([1, 2])", repr('{0[1'.format([1, 2])))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[1'.format([1, 2])", type(ex).__name__, ex)
try:
    print("'{0[1}'.format([1, 2])", repr('{0[1}'.format([1, 2])))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[1}'.format([1, 2])", type(ex).__name__, ex)
try:
    print("'{0.}'.format(1)", repr('{0.}'.format(1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0.}'.format(1)", type(ex).__name__, ex)
try:
    print("'{0[]}'.format([1])", repr('{0[]}'.format([1])))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[]}'.format([1])", type(ex).__name__, ex)
try:
    print("'{}{}'.format(1, 2)", repr('{}{}'.format(1, 2)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{}{}'.format(1, 2)", type(ex).__name__, ex)
try:
    print("'{}{1}'.format(1, 2)", repr('{}{1}'.format(1, 2)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{}{1}'.format(1, 2)", type(ex).__name__, ex)
try:
    print("'{1}{}'.format(1, 2)", repr('{1}{}'.format(1, 2)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{1}{}'.format(1, 2)", type(ex).__name__, ex)
try:
    print("'{0}{}'.format(1, 2)", repr('{0}{}'.format(1, 2)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0}{}'.format(1, 2)", type(ex).__name__, ex)
try:
    print("'{}'.format()", repr('{}'.format()))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{}'.format()", type(ex).__name__, ex)
try:
    print("'{5}'.format(1)", repr('{5}'.format(1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{5}'.format(1)", type(ex).__name__, ex)
try:
    print("'{x}'.format(1)", repr('{x}'.format(1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{x}'.format(1)", type(ex).__name__, ex)
try:
    print("'{x}'.format()", repr('{x}'.format()))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{x}'.format()", type(ex).__name__, ex)
try:
    print("'{!r}'.format('a')", repr('{!r}'.format('a')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{!r}'.format('a')", type(ex).__name__, ex)
try:
    print("'{!s:>5}'.format(1)", repr('{!s:>5}'.format(1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{!s:>5}'.format(1)", type(ex).__name__, ex)
try:
    print("'{!a}'.format('é')", repr('{!a}'.format('é')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{!a}'.format('é')", type(ex).__name__, ex)
try:
    print("'{!x}'.format(1)", repr('{!x}'.format(1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{!x}'.format(1)", type(ex).__name__, ex)
try:
    print("'{!}'.format(1)", repr('{!}'.format(1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{!}'.format(1)", type(ex).__name__, ex)
try:
    print("'{!r'.format(1)", repr('{!r'.format(1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{!r'.format(1)", type(ex).__name__, ex)
try:
    print("'{!rr}'.format(1)", repr('{!rr}'.format(1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{!rr}'.format(1)", type(ex).__name__, ex)
try:
    print("'{:{}}'.format('a', 5)", repr('{:{}}'.format('a', 5)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{:{}}'.format('a', 5)", type(ex).__name__, ex)
try:
    print("'{:{}{}}'.format('a', '>', 5)", repr('{:{}{}}'.format('a', '>', 5)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{:{}{}}'.format('a', '>', 5)", type(ex).__name__, ex)
try:
    print("'{0:{1:{2}}}'.format('a', 's', '')", repr('{0:{1:{2}}}'.format('a', 's', '')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0:{1:{2}}}'.format('a', 's', '')", type(ex).__name__, ex)
try:
    print("'{:{:{}}}'.format('a', 's', '')", repr('{:{:{}}}'.format('a', 's', '')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{:{:{}}}'.format('a', 's', '')", type(ex).__name__, ex)
try:
    print("'{0:{1}}'.format(3.14159, '.2f')", repr('{0:{1}}'.format(3.14159, '.2f')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0:{1}}'.format(3.14159, '.2f')", type(ex).__name__, ex)
try:
    print("'{:>{w}.{p}f}'.format(3.14159, w=10, p=3)", repr('{:>{w}.{p}f}'.format(3.14159, w=10, p=3)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{:>{w}.{p}f}'.format(3.14159, w=10, p=3)", type(ex).__name__, ex)
try:
    print("'{'.format()", repr('{'.format()))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{'.format()", type(ex).__name__, ex)
try:
    print("'}'.format()", repr('}'.format()))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'}'.format()", type(ex).__name__, ex)
try:
    print("'{{}}'.format()", repr('{{}}'.format()))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{{}}'.format()", type(ex).__name__, ex)
try:
    print("'{{{}}}'.format(1)", repr('{{{}}}'.format(1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{{{}}}'.format(1)", type(ex).__name__, ex)
try:
    print("'a}}b{{c'.format()", repr('a}}b{{c'.format()))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'a}}b{{c'.format()", type(ex).__name__, ex)
try:
    print("'{0!r:}'.format(1)", repr('{0!r:}'.format(1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0!r:}'.format(1)", type(ex).__name__, ex)
try:
    print("'{a{b}'.format(a=1)", repr('{a{b}'.format(a=1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{a{b}'.format(a=1)", type(ex).__name__, ex)
try:
    print("'{:}'.format(1.5)", repr('{:}'.format(1.5)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{:}'.format(1.5)", type(ex).__name__, ex)
try:
    print("'{:d}'.format(1.5)", repr('{:d}'.format(1.5)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{:d}'.format(1.5)", type(ex).__name__, ex)
try:
    print("'{0:x}'.format('a')", repr('{0:x}'.format('a')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0:x}'.format('a')", type(ex).__name__, ex)
try:
    print("'{0:{1}'.format(1, 2)", repr('{0:{1}'.format(1, 2)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0:{1}'.format(1, 2)", type(ex).__name__, ex)
try:
    print("'{:%}'.format(0.5)", repr('{:%}'.format(0.5)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{:%}'.format(0.5)", type(ex).__name__, ex)
try:
    print("'{0} {0}'.format('x')", repr('{0} {0}'.format('x')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0} {0}'.format('x')", type(ex).__name__, ex)
try:
    print("'{:,}'.format(10**6)", repr('{:,}'.format(10**6)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{:,}'.format(10**6)", type(ex).__name__, ex)
try:
    print("'{0:}'.format([1, 2])", repr('{0:}'.format([1, 2])))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0:}'.format([1, 2])", type(ex).__name__, ex)
try:
    print("'{0:>5}'.format([1, 2])", repr('{0:>5}'.format([1, 2])))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0:>5}'.format([1, 2])", type(ex).__name__, ex)
try:
    print("'{0:>5}'.format(None)", repr('{0:>5}'.format(None)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0:>5}'.format(None)", type(ex).__name__, ex)
try:
    print("'{}'.format(True)", repr('{}'.format(True)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{}'.format(True)", type(ex).__name__, ex)
try:
    print("'{:d}'.format(True)", repr('{:d}'.format(True)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{:d}'.format(True)", type(ex).__name__, ex)
try:
    print("'{:>6}'.format(True)", repr('{:>6}'.format(True)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{:>6}'.format(True)", type(ex).__name__, ex)
try:
    print("'{a}'.format_map({'a': 1})", repr('{a}'.format_map({'a': 1})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{a}'.format_map({'a': 1})", type(ex).__name__, ex)
try:
    print("'{}'.format_map({'a': 1})", repr('{}'.format_map({'a': 1})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{}'.format_map({'a': 1})", type(ex).__name__, ex)
try:
    print("'{0}'.format_map({'0': 1})", repr('{0}'.format_map({'0': 1})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0}'.format_map({'0': 1})", type(ex).__name__, ex)
try:
    print("'ab'.format_map('x')", repr('ab'.format_map('x')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'ab'.format_map('x')", type(ex).__name__, ex)
try:
    print("'{a}'.format_map('x')", repr('{a}'.format_map('x')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{a}'.format_map('x')", type(ex).__name__, ex)
try:
    print("'{a}'.format_map([1])", repr('{a}'.format_map([1])))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{a}'.format_map([1])", type(ex).__name__, ex)
try:
    print("'{x[0]}'.format_map({'x': 'yz'})", repr('{x[0]}'.format_map({'x': 'yz'})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{x[0]}'.format_map({'x': 'yz'})", type(ex).__name__, ex)
try:
    print("'{a.b}'.format(a=1)", repr('{a.b}'.format(a=1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{a.b}'.format(a=1)", type(ex).__name__, ex)
try:
    print("'{:{}}'.format(1)", repr('{:{}}'.format(1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{:{}}'.format(1)", type(ex).__name__, ex)
try:
    print("'{a!r:>{w}}'.format(a='x', w=6)", repr('{a!r:>{w}}'.format(a='x', w=6)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{a!r:>{w}}'.format(a='x', w=6)", type(ex).__name__, ex)
try:
    print("'{0:{1}}'.format('a', '{}')", repr('{0:{1}}'.format('a', '{}')))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0:{1}}'.format('a', '{}')", type(ex).__name__, ex)
try:
    print("'{:\\u0663}'.format(1)", repr('{:\u0663}'.format(1)))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{:\\u0663}'.format(1)", type(ex).__name__, ex)
try:
    print("'{0[a]b}'.format({'a': 1})", repr('{0[a]b}'.format({'a': 1})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[a]b}'.format({'a': 1})", type(ex).__name__, ex)
try:
    print("'{0[a].real}'.format({'a': 1})", repr('{0[a].real}'.format({'a': 1})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[a].real}'.format({'a': 1})", type(ex).__name__, ex)
try:
    print("'{0[a][b]}'.format({'a': {'b': 2}})", repr('{0[a][b]}'.format({'a': {'b': 2}})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[a][b]}'.format({'a': {'b': 2}})", type(ex).__name__, ex)
try:
    print("'{0[a]]}'.format({'a': 1, 'a]': 2})", repr('{0[a]]}'.format({'a': 1, 'a]': 2})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[a]]}'.format({'a': 1, 'a]': 2})", type(ex).__name__, ex)
try:
    print("'{0[a:b]}'.format({'a:b': 3})", repr('{0[a:b]}'.format({'a:b': 3})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[a:b]}'.format({'a:b': 3})", type(ex).__name__, ex)
try:
    print("'{0[a!b]}'.format({'a!b': 3})", repr('{0[a!b]}'.format({'a!b': 3})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[a!b]}'.format({'a!b': 3})", type(ex).__name__, ex)
try:
    print("'{0[{]}'.format({'{': 3})", repr('{0[{]}'.format({'{': 3})))
except (ValueError, TypeError, KeyError, IndexError, AttributeError) as ex:
    print("'{0[{]}'.format({'{': 3})", type(ex).__name__, ex)
from collections import defaultdict, Counter, OrderedDict
d = defaultdict(lambda: 'dflt')
print('{a}'.format_map(d), sorted(d.items()))
c = Counter('aab')
print('{a}{b}{z}'.format_map(c), 'z' in c)
dl = defaultdict(list)
print('{x}'.format_map(dl), dict(dl))
print('{k}'.format_map(OrderedDict(k=3)))
try:
    print('{a}'.format_map({}))
except KeyError as e:
    print('KeyError', e)
print('%(a)s %(b)s' % c)
print('%(q)s' % d, sorted(d))
x = 3.14159; w = 10; p = 3; s = 'héllo'; n = -1234567
print(f"{x:{w}.{p}f}|{s!r:^12}|{n:_}|{n:010,}|{7:010_X}|{float('inf'):012,.1f}|{s:.2}|{n:+}|{True}|{True:d}|{None!s:>6}")
print(f"{x=}, {n=:,}, {s=!a}")
print(f"{-0.0:z}|{-0.0001:z.2f}|{1e16}|{1e16:.17}|{12345.678:e}|{12345.678:#.0e}")
print(f"{[1,2]!r:>10}|{ {'a': 1} }")
