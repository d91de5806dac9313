size = 20000
chunks = [context[i:i + size] for i in range(0, len(context), size)]
hits = 0
longest = 0
for c in chunks:
    for line in c.splitlines():
        if "river" in line:
            hits += 1
        if len(line) > longest:
            longest = len(line)
print(len(chunks), hits, longest)
