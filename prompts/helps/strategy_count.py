# Built-in strategy for a counting question: ask a sub-model to count in each
# chunk, add the counts up.
import re
parts = ctx.chunk(6000)
replies = llm_batch([f"Question: {query}\n\nText:\n{part}\n\nCount only in this text. Reply with one integer and nothing else." for part in parts])
total = 0
for r in replies:
    m = re.search(r"-?\d+", r)
    if m:
        total += int(m.group(0))
print(f"Counted in {len(parts)} chunks: {total}")
FINAL(total)
