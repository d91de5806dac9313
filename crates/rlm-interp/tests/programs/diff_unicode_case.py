# Case mappings and character predicates over Unicode 14.0, CPython 3.11's (issue #76): Rust's newer tables gave '\u1c89'.lower() == '\u1c8a', and isidentifier was not XID_Start/XID_Continue. Strings are drawn from a pool of awkward characters by a fixed LCG: final sigma through case-ignorables, titlecase digraphs, one-to-several mappings, Other_Lowercase marks.
print(repr('\u1c89'.lower()), repr('\u1c8a'.upper()), '\u1c89'.isupper(), '\u1c8a'.islower())
for s in ['x²', '℘x', 'a·b', '\u2e2f', '_', '_1', '1a', 'ﬁx', 'x\u0300', '\u0300', 'ℑm', 'aᵢ', 'Ⅻ', 'a\u200c', '℮', '゛', 'a゛', '']:
    print(repr(s), s.isidentifier())
POOL = ('AaZzΣσςǅǄǆßİıΐﬁŉⅫⅻʰ\u0345\'.:^`\u00ad \t1_·²℘\u2e2fᾈᾀΩωꭰᎠ\u1c89\u1c90ა'
        'Ꙁꙁ\U00010400\U00010428ǰẞ\u0130\u03f4\u1e9e\u2126\u212a\u212b\u00b5\u0149\u1f80\u1fbc\u1fb3'
        '\u0587\ufb00\ufb13\u2160\u24b6\u24d0\U0001e900\U0001e922\u10a0\u2d00\u13f8\u13f0\uab70')
for c in POOL:
    print(repr(c), repr(c.lower()), repr(c.upper()), repr(c.title()), repr(c.casefold()), repr(c.swapcase()),
          c.isupper(), c.islower(), c.istitle(), c.isalpha(), c.isalnum(), c.isspace(), c.isprintable(),
          c.isidentifier(), ('a' + c).isidentifier(), c.isdecimal(), c.isdigit(), c.isnumeric())
state = [12345]
def draw(n):
    out = []
    for _ in range(n):
        state[0] = (state[0] * 1103515245 + 12345) % 2147483648
        out.append(POOL[(state[0] >> 8) % len(POOL)])
    return ''.join(out)
for i in range(600):
    s = draw(1 + i % 7)
    print(repr(s), repr(s.lower()), repr(s.upper()), repr(s.title()), repr(s.capitalize()),
          repr(s.swapcase()), repr(s.casefold()), s.isupper(), s.islower(), s.istitle(), s.isidentifier())
# The final sigma: cased before (through case-ignorables), none cased after.
for s in ['ΣΑΣ', 'ΑΣ.', 'Α\'Σ\'', 'Α\u00adΣ', 'ΑΣ\u00adΑ', 'Σ', '.Σ', 'AΣ1', 'AΣ b', 'aΣʰ', 'aΣ\u0345', 'ʰΣ', '\u0345Σ', 'ΑΣΣ']:
    print(repr(s), repr(s.lower()), repr(s.title()), repr(s.capitalize()), repr(s.swapcase()))
print(repr('İstanbul'.lower()), len('İ'.lower()), repr('ﬃ'.upper()), repr('ﬃ'.title()), repr('ß'.capitalize()))
print(repr('hello wORLD ǆungla'.title()), 'Ǆ'.istitle(), 'ǅa'.istitle(), 'ǅA'.istitle())
import string
print(repr(string.capwords('ǆungla ßtraße ﬁsh')), repr(string.capwords('a-ǆb-ßc', '-')))
