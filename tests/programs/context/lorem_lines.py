lines = context.splitlines()
print(len(lines))
for i, line in enumerate(lines):
    print(f"{i:02d} {len(line):3d} {line[:30]!r}")
paragraphs = [p for p in context.split("\n\n") if p.strip()]
print(len(paragraphs))
