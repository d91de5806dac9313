# How strings are held (inline short text, views of the context longer than
# 24 bytes, heap copies) must not show: splitting, line splitting (every
# line break Python knows, at every offset), equality and dict keys agree
# with CPython whoever holds the bytes.
words = context.split()
print(len(words), words[:12], words[-3:])
lines = context.splitlines()
print(len(lines), lines[:6], lines[-2:])
kept = context.splitlines(True)
print(len(kept), "".join(kept) == context, kept[:4])
counts = {}
for w in words:
    counts[w] = counts.get(w, 0) + 1
print(sorted(counts.items()))
literal = "x" * 30
print(counts.get(literal), counts.get("x" * 29), counts.get("123456789012345678901234"), counts.get("1234567890123456789012345"))
print([w for w in counts if w == "naïve—long-word-with-dash-" * 2])
for n in range(0, 40):
    text = "ab" * n + "\u2028" + "c" * n + "\r\n" + "d" * (n % 9) + "\x85" + "e" + "\r" + "\n\n" + "\u2029f"
    print(n, text.splitlines(), text.splitlines(keepends=True) == text.splitlines(True))
    print(n, (" " * n + "w" * n + "\u3000" + "v" + "\x1f" * (n % 3)).split())
a = context[3:60]
b = context[3:60]
print(a == b, hash(a) == hash(b), {a: 1}[b], a[:5] == context[3:8])
print(sorted(set(words))[:5], max(words, key=len), min(words))
print("\n".join(lines[:3]).split("\n") == lines[:3], context.split(" ")[:4], context.split("a", 3)[:3])
