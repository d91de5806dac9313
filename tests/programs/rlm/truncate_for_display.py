def preview(s, n=20):
    return s if len(s) <= n else s[:n - 3] + "..."
texts = ["short", "a string that is quite a bit longer than twenty", "exactly twenty chars", "é" * 25]
for t in texts:
    p = preview(t)
    print(len(t), len(p), repr(p))
out = "\n".join(preview(t, 10) for t in texts)
print(out)
print(f"{len(out)} chars")
