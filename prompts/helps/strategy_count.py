# Built-in strategy for a counting question: ask a sub-model to count in each
# chunk, add the counts up. The chunks go 64 at a time: a large context has
# more of them than one batch may send (`budgets.max_batch`).
import re
parts = ctx.chunk(6000)
replies = []
for i in range(0, len(parts), 64):
    replies += llm_batch([f"Question: {query}\n\nText:\n{part}\n\nCount only in this text. Reply with one integer and nothing else." for part in parts[i:i + 64]])
total = 0
for r in replies:
    m = re.search(r"-?\d+", r)
    if m:
        total += int(m.group(0))
print(f"Counted in {len(parts)} chunks: {total}")
FINAL(total)
