# The format mini-language as CPython's formatter_unicode.c applies it (issue #76): a grid of specs (fill, align, sign, z, #, 0, width in ASCII and Arabic-Indic digits, grouping, precision, every type letter) drawn by a fixed LCG, over ints, bools, floats (inf, nan, -0.0, huge, tiny, ties) and strings; then the cases that were wrong: zero padding inside the grouping, inf/nan never grouped, the fill given with '0'.
print(repr(format(7, '010_X')), repr(format(float('inf'), '012,.1f')), repr(format(1234, '0=10,')))
print(repr(format('ab', '<05')), repr(format(5, '\u0663')), repr(format(-1234567, '0=+20_')), repr(format(255, '#012_x')))
print(repr(format(-0.0001, 'z.2f')), repr(format(-0.0, 'z.0e')), repr(format(1e16, '.17')), repr(format(2.0**70, ',.0f')))
for spec in ['abc', ',_', '_,', ',,', '.', '10.', '\x01', '99999999999999999999', '=5', '+c', '#c', '.2', 'z']:
    for v in [1, 1.5, 'a']:
        try:
            print(repr(spec), repr(v), repr(format(v, spec)))
        except (ValueError, TypeError, OverflowError) as e:
            print(repr(spec), repr(v), type(e).__name__, e)
FILLS = ['', '<', '>', '^', '=', '*<', '*>', '*^', '*=', '0=', '0<', '0>', '0^', 'x=', '\u00e9^', '\u0663>']
SIGNS = ['', '+', '-', ' ']
WIDTHS = ['', '0', '1', '5', '8', '13', '20', '\u0663', '1\u0660']
GROUPS = ['', ',', '_', ',_', '_,']
PRECS = ['', '.0', '.1', '.2', '.3', '.6', '.12', '.17', '.25', '.']
TYPES = ['', 'b', 'c', 'd', 'e', 'E', 'f', 'F', 'g', 'G', 'n', 'o', 's', 'x', 'X', '%', 'r', 'z', '#']
state = [2024]
def pick(xs):
    state[0] = (state[0] * 1103515245 + 12345) % 2147483648
    return xs[(state[0] >> 8) % len(xs)]
specs = []
for i in range(700):
    specs.append(pick(FILLS) + pick(SIGNS) + pick(['', '', 'z']) + pick(['', '', '#']) + pick(['', '', '0'])
                 + pick(WIDTHS) + pick(GROUPS) + pick(PRECS) + pick(TYPES))
VALS = [0, 1, -1, 7, -255, 1234567, -9223372036854775808, True, False, 0.0, -0.0, 1.5, -2.5, 0.1, 1e16,
        1e-7, -1e22, 123456.789, 5e-324, 1.7976931348623157e308, 0.5, 9.995, -0.0001, float('inf'),
        float('-inf'), float('nan'), 1e100, 100.0, '', 'abc', 'h\u00e9llo w\u00f6rld']
for v in VALS:
    out = []
    for s in specs:
        try:
            out.append(format(v, s))
        except (ValueError, TypeError, OverflowError) as e:
            out.append(type(e).__name__ + ': ' + str(e))
    print(repr(v), '|'.join(out))
