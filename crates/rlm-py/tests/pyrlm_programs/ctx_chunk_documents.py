groups = ctx.chunk_documents(docs_per_chunk=2)
default = ctx.chunk_documents()
shape = [(a, b, [len(d) for d in docs]) for a, b, docs in groups]
try:
    ctx.chunk_documents(0)
    err = "none"
except ValueError as exc:
    err = str(exc)
result = repr([shape, len(default), default[0][:2], err])
