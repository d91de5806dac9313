lines = [f"line {i}: " + "x" * (i % 7) for i in range(25)]
text = "\n".join(lines)
max_chars = 60
chunks, cur = [], []
for line in text.split("\n"):
    if cur and len("\n".join(cur + [line])) > max_chars:
        chunks.append("\n".join(cur))
        cur = []
    cur.append(line)
if cur:
    chunks.append("\n".join(cur))
print(len(chunks))
for i, c in enumerate(chunks):
    print(i, len(c), c.count("\n") + 1, c.split("\n")[0])
