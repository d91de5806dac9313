# str.count, splitlines and slices over long non-ASCII text (the context, a
# view of its buffer, and text of the program's own), at the edges of the
# paths a call site takes directly: needles that overlap themselves, empty
# and one-byte needles, ranges, steps and negative indices, every kind of
# line break with and without keepends, lines ASCII or not.
text = context
print(len(text), text.count("\n"), text.count("\r\n"))
needles = ["needle", "aa", "aaa", "é", "naïve", "", "e", "le n", "needle needle",
           "0123456789abcdefg", "zq", "\n", "漢字", "😀", "needleneedle", "xxxxxxxxxxxxxxxxxxxx"]
for needle in needles:
    total = 0
    for i in range(0, len(text), 997):
        total += text[i:i + 997].count(needle)
    print(repr(needle), text.count(needle), total, text[5:5000].count(needle))
print("aaaa".count("aa"), "aaaaa".count("aa"), "".count(""), "abc".count(""), "héllo".count(""))
print(text.count("needle", 100, 5000), text.count("é", -3000), text.count("", 10, 20),
      text.count("x", 50, 10), text.count("needle", len(text) + 5))
short = "needle in a needle haystack of needles: needle" * 3
print(short.count("needle"), short.count("needles"), short[1:].count("needle"), short.count("e"))

for a, b, c in [(0, 1000, 1), (255, 257, 1), (511, 1537, 1), (-700, -1, 1), (3, 900, 7),
                (900, 3, -5), (-1, -800, -3), (None, None, -97), (20000, None, 1)]:
    part = text[a:b:c]
    print(a, b, c, len(part), repr(part[:12]), repr(part[-12:]), part.count("e"))
print([text[i] for i in range(0, len(text), 256)])
print([len(text[:i]) for i in range(0, len(text), 999)])
print([text[i:i + 300].count("a") for i in range(0, len(text), 4001)])

lines = text.splitlines()
print(len(lines), sum(len(l) for l in lines), max(len(l) for l in lines))
print([l for l in lines if "naïve" in l][:3], [len(l) for l in lines[:40]])
kept = text.splitlines(True)
print(len(kept), sum(len(l) for l in kept), [repr(l[-2:]) for l in kept[10:40]])
print([l[-3:] for l in lines if not l.isascii()][:20], [l[::-7][:5] for l in lines[:20]])

own = ("ascii line\r\nrésumé\x0bplain\x0c\x1c\x1d\x1e x\x85y\u2028z\u2029end\r\rlast"
       + "k" * 70 + "\u2028" + "é" * 30 + "\n" + "w" * 40 + "\x85")
for keep in (False, True):
    parts = own.splitlines(keep)
    print(keep, parts, [len(p) for p in parts], [p[-1:] for p in parts],
          [p[::-1][:3] for p in parts], [p.isascii() for p in parts])
    big = (own * 40).splitlines(keep)
    print(len(big), sum(len(p) for p in big), [p.count("é") for p in big[:12]],
          [p[-1:] for p in big[-5:]])
print(("x" * 100 + "\n").splitlines(), "".splitlines(), "\n".splitlines(True),
      "a\u2028".splitlines(True), "tail without break".splitlines())
