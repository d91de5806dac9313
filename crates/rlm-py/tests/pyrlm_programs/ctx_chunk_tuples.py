pieces = ctx.chunk(60, overlap=15)
shape = [(s, e, len(t), t[:8]) for s, e, t in pieces]
errors = []
for size, overlap in [(0, 0), (10, -1), (10, 10)]:
    try:
        ctx.chunk(size, overlap)
    except ValueError as exc:
        errors.append(str(exc))
result = repr([shape, errors])
