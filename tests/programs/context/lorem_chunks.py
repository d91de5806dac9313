size, overlap = 50, 10
chunks = []
i = 0
while i < len(context):
    chunks.append(context[i:i + size])
    i += size - overlap
print(len(chunks), len(context))
print([len(c) for c in chunks])
print(repr(chunks[0]), repr(chunks[-1]))
print(all(chunks[k][-overlap:] == chunks[k + 1][:overlap] for k in range(len(chunks) - 2)))
