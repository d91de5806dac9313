# Containers: a frozenset has no mutating methods and `|=` rebinds it; an intersection keeps the smaller set's elements; Counter's del, update(None), fromkeys; OrderedDict views; int hashes (found by the differential fuzzer, issue #53).
import re, string
from collections import Counter, OrderedDict, defaultdict, deque

try:
    print('frozenset([1]).add(2)', repr(frozenset([1]).add(2)))
except Exception as e:
    print('frozenset([1]).add(2)', type(e).__name__)
try:
    print('frozenset([1]).update([2])', repr(frozenset([1]).update([2])))
except Exception as e:
    print('frozenset([1]).update([2])', type(e).__name__)
try:
    print('frozenset([1]).discard(1)', repr(frozenset([1]).discard(1)))
except Exception as e:
    print('frozenset([1]).discard(1)', type(e).__name__)
try:
    print('sorted(frozenset([1, 2]).union([3]))', repr(sorted(frozenset([1, 2]).union([3]))))
except Exception as e:
    print('sorted(frozenset([1, 2]).union([3]))', type(e).__name__)
try:
    print('{True} & {1}', repr({True} & {1}))
except Exception as e:
    print('{True} & {1}', type(e).__name__)
try:
    print('{1} & {True}', repr({1} & {True}))
except Exception as e:
    print('{1} & {True}', type(e).__name__)
try:
    print('{1, 2} & {True}', repr({1, 2} & {True}))
except Exception as e:
    print('{1, 2} & {True}', type(e).__name__)
try:
    print('{1.0} & {1, 2}', repr({1.0} & {1, 2}))
except Exception as e:
    print('{1.0} & {1, 2}', type(e).__name__)
try:
    print('{1}.intersection({True})', repr({1}.intersection({True})))
except Exception as e:
    print('{1}.intersection({True})', type(e).__name__)
try:
    print("Counter('a').update(None)", repr(Counter('a').update(None)))
except Exception as e:
    print("Counter('a').update(None)", type(e).__name__)
try:
    print("Counter('a').subtract(None)", repr(Counter('a').subtract(None)))
except Exception as e:
    print("Counter('a').subtract(None)", type(e).__name__)
try:
    print("Counter('ab').fromkeys('a')", repr(Counter('ab').fromkeys('a')))
except Exception as e:
    print("Counter('ab').fromkeys('a')", type(e).__name__)
try:
    print("defaultdict(list, {}).fromkeys('ab')", repr(defaultdict(list, {}).fromkeys('ab')))
except Exception as e:
    print("defaultdict(list, {}).fromkeys('ab')", type(e).__name__)
try:
    print("OrderedDict(a=1).fromkeys('b', 2)", repr(OrderedDict(a=1).fromkeys('b', 2)))
except Exception as e:
    print("OrderedDict(a=1).fromkeys('b', 2)", type(e).__name__)
try:
    print("{}.fromkeys('a')", repr({}.fromkeys('a')))
except Exception as e:
    print("{}.fromkeys('a')", type(e).__name__)
try:
    print("type(OrderedDict().fromkeys('b')).__name__", repr(type(OrderedDict().fromkeys('b')).__name__))
except Exception as e:
    print("type(OrderedDict().fromkeys('b')).__name__", type(e).__name__)
try:
    print('OrderedDict(a=1).items()', repr(OrderedDict(a=1).items()))
except Exception as e:
    print('OrderedDict(a=1).items()', type(e).__name__)
try:
    print('OrderedDict(a=1).keys()', repr(OrderedDict(a=1).keys()))
except Exception as e:
    print('OrderedDict(a=1).keys()', type(e).__name__)
try:
    print('OrderedDict(a=1).values()', repr(OrderedDict(a=1).values()))
except Exception as e:
    print('OrderedDict(a=1).values()', type(e).__name__)
try:
    print("OrderedDict(a=1, b=2).keys() - {'a'}", repr(OrderedDict(a=1, b=2).keys() - {'a'}))
except Exception as e:
    print("OrderedDict(a=1, b=2).keys() - {'a'}", type(e).__name__)
try:
    print('dict(a=1).keys()', repr(dict(a=1).keys()))
except Exception as e:
    print('dict(a=1).keys()', type(e).__name__)
try:
    print('hash(9223372036854775807)', repr(hash(9223372036854775807)))
except Exception as e:
    print('hash(9223372036854775807)', type(e).__name__)
try:
    print('hash(-9223372036854775807 - 1)', repr(hash(-9223372036854775807 - 1)))
except Exception as e:
    print('hash(-9223372036854775807 - 1)', type(e).__name__)
try:
    print('hash(-1)', repr(hash(-1)))
except Exception as e:
    print('hash(-1)', type(e).__name__)
try:
    print('hash(2**61 - 1)', repr(hash(2**61 - 1)))
except Exception as e:
    print('hash(2**61 - 1)', type(e).__name__)
try:
    print('hash(2**61)', repr(hash(2**61)))
except Exception as e:
    print('hash(2**61)', type(e).__name__)
try:
    print('hash(-2**61 + 1)', repr(hash(-2**61 + 1)))
except Exception as e:
    print('hash(-2**61 + 1)', type(e).__name__)
try:
    print('hash(True)', repr(hash(True)))
except Exception as e:
    print('hash(True)', type(e).__name__)
try:
    print('hash(12345)', repr(hash(12345)))
except Exception as e:
    print('hash(12345)', type(e).__name__)
v = frozenset([1, 2])
w = v
v |= {5}
v -= {1}
print(sorted(v), sorted(w), type(v).__name__)
c = Counter('ab')
del c['zz']
del c['a']
print(c)
try:
    print('hash(1.5)', repr(hash(1.5)))
except Exception as e:
    print('hash(1.5)', type(e).__name__)
try:
    print('hash(-2.5)', repr(hash(-2.5)))
except Exception as e:
    print('hash(-2.5)', type(e).__name__)
try:
    print('hash(1e308)', repr(hash(1e308)))
except Exception as e:
    print('hash(1e308)', type(e).__name__)
try:
    print('hash(5e-324)', repr(hash(5e-324)))
except Exception as e:
    print('hash(5e-324)', type(e).__name__)
try:
    print("hash(float('inf'))", repr(hash(float('inf'))))
except Exception as e:
    print("hash(float('inf'))", type(e).__name__)
try:
    print("hash(float('-inf'))", repr(hash(float('-inf'))))
except Exception as e:
    print("hash(float('-inf'))", type(e).__name__)
try:
    print('hash(2.0) == hash(2)', repr(hash(2.0) == hash(2)))
except Exception as e:
    print('hash(2.0) == hash(2)', type(e).__name__)
try:
    print('hash(0.1)', repr(hash(0.1)))
except Exception as e:
    print('hash(0.1)', type(e).__name__)
try:
    print('hash(-0.0)', repr(hash(-0.0)))
except Exception as e:
    print('hash(-0.0)', type(e).__name__)
try:
    print('hash(1e-300)', repr(hash(1e-300)))
except Exception as e:
    print('hash(1e-300)', type(e).__name__)
try:
    print('hash(123456.789)', repr(hash(123456.789)))
except Exception as e:
    print('hash(123456.789)', type(e).__name__)
try:
    print('dict(a=1) | defaultdict(int, b=2)', repr(dict(a=1) | defaultdict(int, b=2)))
except Exception as e:
    print('dict(a=1) | defaultdict(int, b=2)', type(e).__name__)
try:
    print('dict(a=1) | OrderedDict(b=2)', repr(dict(a=1) | OrderedDict(b=2)))
except Exception as e:
    print('dict(a=1) | OrderedDict(b=2)', type(e).__name__)
try:
    print("dict(a=1) | Counter('b')", repr(dict(a=1) | Counter('b')))
except Exception as e:
    print("dict(a=1) | Counter('b')", type(e).__name__)
try:
    print('OrderedDict(a=1) | dict(b=2)', repr(OrderedDict(a=1) | dict(b=2)))
except Exception as e:
    print('OrderedDict(a=1) | dict(b=2)', type(e).__name__)
c = Counter('ab')
c['x'] = None
print(c)
c = Counter()
c.update(dict(enumerate(['b', 'a', 'c', 'a'])))
print(c)
try:
    print('range(12, -1, -2).count(-0.0)', repr(range(12, -1, -2).count(-0.0)))
except Exception as e:
    print('range(12, -1, -2).count(-0.0)', type(e).__name__)
try:
    print('range(5).count(2.0)', repr(range(5).count(2.0)))
except Exception as e:
    print('range(5).count(2.0)', type(e).__name__)
try:
    print('range(5).count(2.5)', repr(range(5).count(2.5)))
except Exception as e:
    print('range(5).count(2.5)', type(e).__name__)
try:
    print('range(5).index(3.0)', repr(range(5).index(3.0)))
except Exception as e:
    print('range(5).index(3.0)', type(e).__name__)
try:
    print('range(5).count(True)', repr(range(5).count(True)))
except Exception as e:
    print('range(5).count(True)', type(e).__name__)
try:
    print('range(0, 10, 3).index(6.0)', repr(range(0, 10, 3).index(6.0)))
except Exception as e:
    print('range(0, 10, 3).index(6.0)', type(e).__name__)
try:
    print("range(5).count(float('inf'))", repr(range(5).count(float('inf'))))
except Exception as e:
    print("range(5).count(float('inf'))", type(e).__name__)
try:
    print("range(5).count(float('nan'))", repr(range(5).count(float('nan'))))
except Exception as e:
    print("range(5).count(float('nan'))", type(e).__name__)
