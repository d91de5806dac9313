# expect: fuel|memory|collection_length
# Subcall fan-out with big prompts, round after round: 500 concurrent
# llm_query calls share one 100 000-character prompt in the sandbox, but the
# host may copy it per call (pending prompts, call records, traces). The
# sandbox's limits must end it; the host's copies must not balloon.
import asyncio
p = "q" * 100000
kept = []
while True:
    rs = await asyncio.gather(*[llm_query(p) for _ in range(500)])
    kept.append(rs)
print("ESCAPED")
