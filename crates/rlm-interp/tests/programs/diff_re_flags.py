# re's flags are re.RegexFlag values (issue #76, test_re's test_flags_repr and test_enum): ints that print by name, combine with | & ^ ~ into flags, and are their int everywhere else (arithmetic, comparison, hashing, indexing, formatting, the flags of re's functions).
import re
print(repr(re.I), str(re.S), re.A, [re.M, re.X, re.U, re.L, re.LOCALE, re.NOFLAG, re.ASCII, re.DOTALL])
print(repr(re.I | re.S | re.X), repr(re.I | re.S | re.X | 1 << 20), repr(1 << 20 | re.I), repr(re.I | 1))
print(repr(~re.I), repr(~(re.I | re.S | re.X)), repr(~(re.I | re.S | re.X | 1 << 20)), repr(~re.NOFLAG), repr(~re.A))
print(repr(re.I & 2), repr(re.I & re.M), repr(re.I ^ re.I), repr(re.I ^ 3), repr(True | re.I), repr(re.I | -5))
print(int(re.I), re.I + 1, re.I * 2, -re.I, +re.I, re.I // 2, re.I << 1, re.I - re.I, re.M % 3, abs(re.I), 2 ** re.I)
print(re.I == 2, 2 == re.I, re.I != 2, re.I == re.IGNORECASE, re.I == re.M, re.I < 3, re.M > re.I, re.I <= 2.5, re.I == 2.0)
print(hash(re.I) == hash(2), {2: 'x'}[re.I], {re.I: 'y'}[2], re.I in {2}, 2 in {re.I}, re.I in [1, 2], sorted([re.M, re.I, 5]))
print(isinstance(re.I, int), isinstance(re.NOFLAG, (str, int)), bool(re.NOFLAG), bool(re.I), not re.I, re.I and 'yes')
print([10, 20, 30][re.I], 'abc'[re.I], list(range(re.I)), 'ab' * re.I, round(re.I), max(re.I, 1), sum([re.I, re.M]))
print(f'{re.I}', f'{re.I:03d}', f'{re.I | re.M!r}', format(re.I, 'x'), '{}'.format(re.M), '%d %s %r %x %5.1f' % (re.I, re.I, re.I, re.M, re.I))
print(re.I.value, re.I.name, (re.I | re.M).name, re.NOFLAG.name, (re.I | re.M).value)
print(re.compile('a', re.I).flags, repr(re.compile('a', re.I | re.M)), re.compile('a', flags=re.I | re.X).flags)
print(re.findall('a', 'aA', re.I), re.findall('a', 'aA', 2), re.sub('a', '-', 'aA', flags=re.I), re.split('A', 'xaya', flags=re.I))
print(re.search('^b', 'a\nb', re.M | re.I), re.match('x', 'X', re.I & re.I), re.compile('(?i)a').flags == re.I | re.U)
f = re.I
f |= re.M
print(repr(f), f == 10)
f &= ~re.I
print(repr(f))
print(str(re.I | re.S | re.X), [repr(x) for x in (re.I, re.M | 0)], str([re.I]), {re.I: 1})
print(re.I.value.bit_length(), (re.I + 0).bit_length())
# json writes a flag as its int, as a value and as a key (int.__repr__)
import json
print(json.dumps(re.I), json.dumps({"f": re.I | re.M}), json.dumps([re.NOFLAG]), json.dumps({re.I: 1, re.M | re.S: [re.A]}))
print(json.dumps({"x": re.I}, indent=2, sort_keys=True))
