outcome = []
try:
    ctx.find("alpha", case_insensitive=True)
    outcome.append("accepted")
except Exception as exc:
    outcome.append("raised: " + str(exc))
try:
    ctx.chunk(10, step=2)
    outcome.append("accepted")
except Exception as exc:
    outcome.append("raised: " + str(exc))
result = repr(outcome)
