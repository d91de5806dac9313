# json.loads' strings: a run without escapes is made at once; escapes,
# non-ASCII text, control characters and unterminated strings keep
# CPython's values, messages and positions.
import json

docs = [
    '"plain"',
    '""',
    '"a longer string than twenty-four bytes, kept on the heap"',
    '"caf\u00e9 \u2014 na\u00efve"',
    '"tab\\there\\nnew line \\"quoted\\" back\\\\slash \\/"',
    '"\\u00e9\\u2028\\ud83d\\ude00"',
    '"run first, then an escape at the end\\n"',
    '{"key": "value", "k\\u00e9y": ["x", "y\\tz", ""], "n": 1}',
    '["\u00e9\u00e9", "\u4e2d\u6587", "emoji \U0001F600"]',
]
for d in docs:
    v = json.loads(d)
    print(repr(v), len(v))

bad = [
    '"unterminated',
    '"ends in a backslash\\',
    '"a control \x01 char"',
    '"new\nline"',
    '["ok", "bad \\x escape"]',
    '{"k": "v", "unterminated: 1}',
    '"\u00e9\u00e9\x02"',
    '"bad hex \\u12G4"',
    '"\\u12"',
    '"ab\\u"',
]
for d in bad:
    try:
        json.loads(d)
        print("no error", repr(d))
    except json.JSONDecodeError as e:
        print(type(e).__name__, e)
