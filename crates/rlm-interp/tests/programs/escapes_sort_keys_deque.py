# repr and json.dumps of strings: runs of plain text copied whole, escapes
# between them (branch wt/hostile); json.dumps(sort_keys=True) of big dicts;
# deque.extend in one move.
import collections
import json

samples = [
    "",
    "plain ascii text",
    "it's",
    'say "hi"',
    "both ' and \"",
    "tab\there\nnewline\r\\back",
    "\x00\x01\x1f\x7f end",
    "caf\u00e9 na\u00efve \u00a0nbsp \u00ad soft",
    "\u2028 line sep \u200b zero width",
    "emoji \U0001F600 and \U000E0001 tag",
    "mixed \x08\x0c\u0100\uffff",
    "x" * 300 + "\n" + "y" * 300,
]
for s in samples:
    print(repr(s))
    print(json.dumps(s))
    print(json.dumps(s, ensure_ascii=False))
print(repr(samples))
print(json.dumps(samples))
print(str({"k'": "v\"", "\n": ["\t", "\u00e9"]}))

d = {}
for i in range(3000):
    d[str((i * 7919) % 3001)] = i
text = json.dumps(d, sort_keys=True)
print(len(text), text[:80], text[-80:])
e = {(i * 31) % 1009: i for i in range(1009)}
text = json.dumps(e, sort_keys=True, indent=1)
print(len(text), text[:40], text[-40:])
print(json.dumps({"b": 1, "a": {"d": 2, "c": 3}}, sort_keys=True))

q = collections.deque([1, 2])
q.extend([3, 4])
q.extend(q)
q.extendleft([0, -1])
print(q, len(q))
b = collections.deque([1, 2, 3], maxlen=4)
b.extend([4, 5, 6])
print(b)
try:
    for x in q:
        q.extend([x])
except RuntimeError as err:
    print("RuntimeError", err)
