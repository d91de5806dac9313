# %-formatting as CPython's PyUnicode_Format (issue #76): the arguments as a tuple, one value or a mapping (any object with __getitem__ but a tuple or a str: surplus arguments are then no error), a key's value consumed as the one argument ('%(a)s %s' raises), a '%' after flags or a precision is an unknown conversion, the sign and 0x prefix before zeros or after spaces, '%d' of a float past 64 bits exact; then a grid of directives drawn by a fixed LCG.
try:
    print("'%(a)s %s' % {'a': 1}", repr('%(a)s %s' % {'a': 1}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%(a)s %s' % {'a': 1}", type(ex).__name__, ex)
try:
    print("'%s %(a)s' % {'a': 1}", repr('%s %(a)s' % {'a': 1}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%s %(a)s' % {'a': 1}", type(ex).__name__, ex)
try:
    print("'%(n).1%' % {'n': 1}", repr('%(n).1%' % {'n': 1}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%(n).1%' % {'n': 1}", type(ex).__name__, ex)
try:
    print("'%(n).1%%' % {'n': 1}", repr('%(n).1%%' % {'n': 1}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%(n).1%%' % {'n': 1}", type(ex).__name__, ex)
try:
    print("'%.1%' % ()", repr('%.1%' % ()))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%.1%' % ()", type(ex).__name__, ex)
try:
    print("'%5%' % ()", repr('%5%' % ()))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%5%' % ()", type(ex).__name__, ex)
try:
    print("'%s' % [1]", repr('%s' % [1]))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%s' % [1]", type(ex).__name__, ex)
try:
    print("'hello' % [1]", repr('hello' % [1]))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'hello' % [1]", type(ex).__name__, ex)
try:
    print("'hello' % {}", repr('hello' % {}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'hello' % {}", type(ex).__name__, ex)
try:
    print("'hello' % 5", repr('hello' % 5))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'hello' % 5", type(ex).__name__, ex)
try:
    print("'hello' % range(3)", repr('hello' % range(3)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'hello' % range(3)", type(ex).__name__, ex)
try:
    print("'%(a)s' % [1]", repr('%(a)s' % [1]))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%(a)s' % [1]", type(ex).__name__, ex)
try:
    print("'%(a)s' % {'a': 'x'}", repr('%(a)s' % {'a': 'x'}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%(a)s' % {'a': 'x'}", type(ex).__name__, ex)
try:
    print("'%((a))s' % {'(a)': 5}", repr('%((a))s' % {'(a)': 5}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%((a))s' % {'(a)': 5}", type(ex).__name__, ex)
try:
    print("'%(a' % {'a': 1}", repr('%(a' % {'a': 1}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%(a' % {'a': 1}", type(ex).__name__, ex)
try:
    print("'%(a)' % {'a': 1}", repr('%(a)' % {'a': 1}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%(a)' % {'a': 1}", type(ex).__name__, ex)
try:
    print("'%(a)' % {}", repr('%(a)' % {}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%(a)' % {}", type(ex).__name__, ex)
try:
    print("'%' % ()", repr('%' % ()))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%' % ()", type(ex).__name__, ex)
try:
    print("'%5' % 1", repr('%5' % 1))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%5' % 1", type(ex).__name__, ex)
try:
    print("'%-5d|' % 3", repr('%-5d|' % 3))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%-5d|' % 3", type(ex).__name__, ex)
try:
    print("'%+05d' % 3", repr('%+05d' % 3))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%+05d' % 3", type(ex).__name__, ex)
try:
    print("'% d' % 3", repr('% d' % 3))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'% d' % 3", type(ex).__name__, ex)
try:
    print("'%#x' % 255", repr('%#x' % 255))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%#x' % 255", type(ex).__name__, ex)
try:
    print("'%#X' % 255", repr('%#X' % 255))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%#X' % 255", type(ex).__name__, ex)
try:
    print("'%#o' % 8", repr('%#o' % 8))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%#o' % 8", type(ex).__name__, ex)
try:
    print("'%#08x' % 255", repr('%#08x' % 255))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%#08x' % 255", type(ex).__name__, ex)
try:
    print("'%-#8x|' % 255", repr('%-#8x|' % 255))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%-#8x|' % 255", type(ex).__name__, ex)
try:
    print("'%#.5x' % 255", repr('%#.5x' % 255))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%#.5x' % 255", type(ex).__name__, ex)
try:
    print("'%+#10.4X' % -255", repr('%+#10.4X' % -255))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%+#10.4X' % -255", type(ex).__name__, ex)
try:
    print("'%010.3f' % -3.14159", repr('%010.3f' % -3.14159))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%010.3f' % -3.14159", type(ex).__name__, ex)
try:
    print("'%-010.3f|' % -3.14159", repr('%-010.3f|' % -3.14159))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%-010.3f|' % -3.14159", type(ex).__name__, ex)
try:
    print("'%+.2e' % 12345.678", repr('%+.2e' % 12345.678))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%+.2e' % 12345.678", type(ex).__name__, ex)
try:
    print("'%#.0f' % 2.0", repr('%#.0f' % 2.0))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%#.0f' % 2.0", type(ex).__name__, ex)
try:
    print("'%#g' % 1.0", repr('%#g' % 1.0))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%#g' % 1.0", type(ex).__name__, ex)
try:
    print("'%g' % 1e-5", repr('%g' % 1e-5))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%g' % 1e-5", type(ex).__name__, ex)
try:
    print("'%G' % 1e20", repr('%G' % 1e20))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%G' % 1e20", type(ex).__name__, ex)
try:
    print("'%F' % float('inf')", repr('%F' % float('inf')))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%F' % float('inf')", type(ex).__name__, ex)
try:
    print("'%f' % float('nan')", repr('%f' % float('nan')))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%f' % float('nan')", type(ex).__name__, ex)
try:
    print("'%010f' % float('-inf')", repr('%010f' % float('-inf')))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%010f' % float('-inf')", type(ex).__name__, ex)
try:
    print("'%.3s' % 'abcdef'", repr('%.3s' % 'abcdef'))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%.3s' % 'abcdef'", type(ex).__name__, ex)
try:
    print("'%5.2s|' % 'abc'", repr('%5.2s|' % 'abc'))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%5.2s|' % 'abc'", type(ex).__name__, ex)
try:
    print("'%-5r|' % 'a'", repr('%-5r|' % 'a'))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%-5r|' % 'a'", type(ex).__name__, ex)
try:
    print("'%a' % 'é'", repr('%a' % 'é'))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%a' % 'é'", type(ex).__name__, ex)
try:
    print("'%c' % 65", repr('%c' % 65))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%c' % 65", type(ex).__name__, ex)
try:
    print("'%c' % 'é'", repr('%c' % 'é'))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%c' % 'é'", type(ex).__name__, ex)
try:
    print("'%5c|' % 'x'", repr('%5c|' % 'x'))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%5c|' % 'x'", type(ex).__name__, ex)
try:
    print("'%c' % 'ab'", repr('%c' % 'ab'))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%c' % 'ab'", type(ex).__name__, ex)
try:
    print("'%c' % 1.5", repr('%c' % 1.5))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%c' % 1.5", type(ex).__name__, ex)
try:
    print("'%c' % -1", repr('%c' % -1))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%c' % -1", type(ex).__name__, ex)
try:
    print("'%c' % 1114112", repr('%c' % 1114112))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%c' % 1114112", type(ex).__name__, ex)
try:
    print("'%d' % 1.9", repr('%d' % 1.9))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%d' % 1.9", type(ex).__name__, ex)
try:
    print("'%d' % -1.9", repr('%d' % -1.9))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%d' % -1.9", type(ex).__name__, ex)
try:
    print("'%d' % float('nan')", repr('%d' % float('nan')))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%d' % float('nan')", type(ex).__name__, ex)
try:
    print("'%d' % float('inf')", repr('%d' % float('inf')))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%d' % float('inf')", type(ex).__name__, ex)
try:
    print("'%x' % 1.5", repr('%x' % 1.5))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%x' % 1.5", type(ex).__name__, ex)
try:
    print("'%d' % 'a'", repr('%d' % 'a'))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%d' % 'a'", type(ex).__name__, ex)
try:
    print("'%x' % 'a'", repr('%x' % 'a'))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%x' % 'a'", type(ex).__name__, ex)
try:
    print("'%f' % 'a'", repr('%f' % 'a'))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%f' % 'a'", type(ex).__name__, ex)
try:
    print("'%s %s' % (1,)", repr('%s %s' % (1,)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%s %s' % (1,)", type(ex).__name__, ex)
try:
    print("'%s' % (1, 2)", repr('%s' % (1, 2)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%s' % (1, 2)", type(ex).__name__, ex)
try:
    print("'%*d' % (5, 3)", repr('%*d' % (5, 3)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%*d' % (5, 3)", type(ex).__name__, ex)
try:
    print("'%-*d|' % (5, 3)", repr('%-*d|' % (5, 3)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%-*d|' % (5, 3)", type(ex).__name__, ex)
try:
    print("'%*d|' % (-5, 3)", repr('%*d|' % (-5, 3)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%*d|' % (-5, 3)", type(ex).__name__, ex)
try:
    print("'%.*f' % (2, 3.14159)", repr('%.*f' % (2, 3.14159)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%.*f' % (2, 3.14159)", type(ex).__name__, ex)
try:
    print("'%.*f' % (-2, 3.14159)", repr('%.*f' % (-2, 3.14159)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%.*f' % (-2, 3.14159)", type(ex).__name__, ex)
try:
    print("'%*.*f|' % (8, 2, 3.14159)", repr('%*.*f|' % (8, 2, 3.14159)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%*.*f|' % (8, 2, 3.14159)", type(ex).__name__, ex)
try:
    print("'%*d' % ('a', 3)", repr('%*d' % ('a', 3)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%*d' % ('a', 3)", type(ex).__name__, ex)
try:
    print("'%ld %hd %Lf' % (1, 2, 3.0)", repr('%ld %hd %Lf' % (1, 2, 3.0)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%ld %hd %Lf' % (1, 2, 3.0)", type(ex).__name__, ex)
try:
    print("'%i %u' % (True, False)", repr('%i %u' % (True, False)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%i %u' % (True, False)", type(ex).__name__, ex)
try:
    print("'%s' % True", repr('%s' % True))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%s' % True", type(ex).__name__, ex)
try:
    print("'%d' % True", repr('%d' % True))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%d' % True", type(ex).__name__, ex)
try:
    print("'%r' % True", repr('%r' % True))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%r' % True", type(ex).__name__, ex)
try:
    print("'%y' % 1", repr('%y' % 1))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%y' % 1", type(ex).__name__, ex)
try:
    print("'%\\x01' % 1", repr('%\x01' % 1))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%\\x01' % 1", type(ex).__name__, ex)
try:
    print("'%é' % 1", repr('%é' % 1))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%é' % 1", type(ex).__name__, ex)
try:
    print("'%(a)d %(b)s' % {'a': 1, 'b': 'x'}", repr('%(a)d %(b)s' % {'a': 1, 'b': 'x'}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%(a)d %(b)s' % {'a': 1, 'b': 'x'}", type(ex).__name__, ex)
try:
    print("'%(a)*d' % {'a': 1}", repr('%(a)*d' % {'a': 1}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%(a)*d' % {'a': 1}", type(ex).__name__, ex)
try:
    print("'%.100d' % 5", repr('%.100d' % 5))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%.100d' % 5", type(ex).__name__, ex)
try:
    print("'%020.10d|' % -5", repr('%020.10d|' % -5))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%020.10d|' % -5", type(ex).__name__, ex)
try:
    print("'%-020.10d|' % -5", repr('%-020.10d|' % -5))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%-020.10d|' % -5", type(ex).__name__, ex)
try:
    print("'% 020.10x|' % 255", repr('% 020.10x|' % 255))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'% 020.10x|' % 255", type(ex).__name__, ex)
try:
    print("'%s' % None", repr('%s' % None))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%s' % None", type(ex).__name__, ex)
try:
    print("'%.0s|' % 'abc'", repr('%.0s|' % 'abc'))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%.0s|' % 'abc'", type(ex).__name__, ex)
try:
    print("'%%%s%%' % 'x'", repr('%%%s%%' % 'x'))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%%%s%%' % 'x'", type(ex).__name__, ex)
try:
    print("'%s' % {'a': 1}", repr('%s' % {'a': 1}))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%s' % {'a': 1}", type(ex).__name__, ex)
try:
    print("'%s' % ({'a': 1},)", repr('%s' % ({'a': 1},)))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%s' % ({'a': 1},)", type(ex).__name__, ex)
try:
    print("'%e' % 0", repr('%e' % 0))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%e' % 0", type(ex).__name__, ex)
try:
    print("'%.20f' % 0.1", repr('%.20f' % 0.1))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%.20f' % 0.1", type(ex).__name__, ex)
try:
    print("'%#.3g' % 100", repr('%#.3g' % 100))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%#.3g' % 100", type(ex).__name__, ex)
try:
    print("'%.3g' % 100", repr('%.3g' % 100))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%.3g' % 100", type(ex).__name__, ex)
try:
    print("'%5.1f%%' % 99.5", repr('%5.1f%%' % 99.5))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%5.1f%%' % 99.5", type(ex).__name__, ex)
try:
    print("'%s' % ''", repr('%s' % ''))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%s' % ''", type(ex).__name__, ex)
try:
    print("'%3s|%-3s|' % ('é', 'ü')", repr('%3s|%-3s|' % ('é', 'ü')))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%3s|%-3s|' % ('é', 'ü')", type(ex).__name__, ex)
try:
    print("'%z' % 1", repr('%z' % 1))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%z' % 1", type(ex).__name__, ex)
try:
    print("'%-+08.3f' % 1", repr('%-+08.3f' % 1))
except (ValueError, TypeError, OverflowError, KeyError) as ex:
    print("'%-+08.3f' % 1", type(ex).__name__, ex)
print('%d %i %u' % (1e22, -2.0**70, 1.5e300))
from collections import Counter, defaultdict, deque
import re
print('%(a)s-%(b)s-%(z)s' % Counter('aab'), '%(k)r' % defaultdict(list))
m = re.match(r'(?P<x>\d+)', '42')
print('%(x)s' % m, 'no directives' % m)
try:
    print('x' % deque([1]))
except TypeError as e:
    print(e)
FLAGS = ['', '-', '+', ' ', '#', '0', '-0', '+0', ' 0', '#0', '-#', '+#0', '- ', '0-+ #']
WIDTHS = ['', '1', '5', '12', '*']
PRECS = ['', '.', '.0', '.1', '.3', '.12', '.*']
CONVS = list('sradiuoxXeEfFgGc%') + ['hd', 'lx', 'Lf', 'y']
state = [77]
def pick(xs):
    state[0] = (state[0] * 1103515245 + 12345) % 2147483648
    return xs[(state[0] >> 8) % len(xs)]
fmts = ['%' + pick(FLAGS) + pick(WIDTHS) + pick(PRECS) + pick(CONVS) for i in range(400)]
VALS = [0, 1, -1, 255, -255, 65, True, 0.0, -0.0, 1.5, -2.5, 0.1, 1e16, 1e-7, -1e22, 9.995,
        float('inf'), float('nan'), 'abc', '\u00e9', '', None, [1, 2]]
for v in VALS:
    out = []
    for f in fmts:
        stars = f.count('*')
        args = (v,) if stars == 0 else (4, v) if stars == 1 else (-6, 2, v)
        try:
            out.append(f % args)
        except (ValueError, TypeError, OverflowError) as e:
            out.append(type(e).__name__ + ': ' + str(e))
    print(repr(v), '|'.join(out))
