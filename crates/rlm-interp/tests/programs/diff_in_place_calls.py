# Issue #79: the calls the plain loop makes in place (len(x), d.get(k),
# s.startswith(p), s.endswith(p)), `d[k] = v` over the entry the lookup
# before it found, and the string splits and concatenations made faster,
# beside the cases they leave to the general path.
from collections import Counter, OrderedDict, defaultdict

counts = {}
words = "the cat the dog\tthe\u00a0end a\u2003b \u3000 x\x01y caf\u00e9 na\u00efve".split()
words += ["w" * 70, "w" * 70, "longerthaneight", "sevenby"]
for w in words:
    counts[w] = counts.get(w, 0) + 1
    if w.startswith("t") or w.endswith("e"):
        counts[w] += len(w)
print(counts)

# A store after a lookup of another key, after a removal that moved the
# entries, and of a key the dict no longer holds.
d = {"a": 1, "b": 2, "c": 3}
x = d.get("a")
d["b"] = x + 10
y = d.get("a")
del d["a"]
d["b"] = d.get("c", 0) + y
d["a"] = d.get("zz", 7)
print(d, list(d))

# Keys that hash with work (tuples), bools and ints equal to each other,
# floats that equal ints.
e = {}
for k in [(1, 2), 1, True, 1.0, 2, (1, 2), 2.0, None, None]:
    e[k] = e.get(k, 0) + 1
print(e)

# The dict kinds.
c = Counter("abcab")
dd = defaultdict(int)
od = OrderedDict(z=1)
for ch in "abcabz":
    c[ch] = c.get(ch, 0) + 1
    dd[ch] += 1
    od[ch] = od.get(ch, 0) + 2
    od.move_to_end("z")
print(sorted(c.items()), sorted(dd.items()), list(od.items()))

# A dict whose value is the dict itself, and a store while iterating.
s = {"self": None}
s["self"] = s.get("self") or s
for k in s:
    s[k] = s.get(k) is s
print(s)

# len of the sized values, startswith of long and non-str prefixes.
print([len(v) for v in ["", "h\u00e9", [1, 2], (3,), {"k": 1}]])
print("abc".startswith("a" * 300), "abc".startswith(("x", "a")), "abc".endswith("bc"))
try:
    "abc".startswith(1)
except TypeError as err:
    print("TypeError", err)
try:
    len(5)
except TypeError as err:
    print("TypeError", err)

# Concatenations across the inline size.
parts = ["", "a", "b" * 23, "c" * 24, "d" * 25, "\u00e9" * 12]
print([len(p + q) for p in parts for q in parts])
print(["-".join([p + q, q + p]) for p in parts[:3] for q in parts[3:]])
