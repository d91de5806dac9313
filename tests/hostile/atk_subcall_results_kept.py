# expect: fuel|memory|collection_length
# Every subcall's prompt is distinct and every answer is kept: the sandbox
# must count what it holds, round after round.
import asyncio
answers = []
i = 0
while True:
    prompts = [str(i + k) * 1000 for k in range(200)]
    answers.extend(await asyncio.gather(*[llm_query(p) for p in prompts]))
    i += 200
print("ESCAPED", len(answers))
