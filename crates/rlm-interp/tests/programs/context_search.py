import re
print(len(context), context[:40])
lines = context.splitlines()
print(len(lines), lines[0])
hits = [i for i, line in enumerate(lines) if "needle" in line]
print(hits)
for m in re.finditer(r"needle (\d+)", context):
    print(m.start(), m.group(1), context[m.start():m.end()])
words = context.split()
freq = {}
for w in words:
    w = w.strip(".,").lower()
    freq[w] = freq.get(w, 0) + 1
top = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
print(top)
chunk_size = 50
chunks = [context[i:i + chunk_size] for i in range(0, len(context), chunk_size)]
print(len(chunks), repr(chunks[-1]))
idx = context.find("needle")
print(idx, context.rfind("needle"), context.count("the"), context[idx - 10:idx + 20])
print(P[-30:])
