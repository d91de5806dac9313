# An RLM-style exploration of a log, written in the DSL as a root model would:
# look at the context's shape, scan it with regexes, chunk it, fan sub-questions
# out to a sub-model with llm_batch, aggregate, and finish with FINAL.
import re
from collections import Counter

print(f"context: {len(context):,} chars, {context.count(chr(10)) + 1:,} lines")
print("first line:", context[:context.find(chr(10))])

line_re = re.compile(r"^\S+ (INFO|WARN|ERROR)\s+\[(\w+)\] (.*)$", re.MULTILINE)
levels = Counter()
errors_by_service = Counter()
error_samples = {}
for m in line_re.finditer(context):
    level, service, message = m.group(1), m.group(2), m.group(3)
    levels[level] += 1
    if level == "ERROR":
        errors_by_service[service] += 1
        error_samples.setdefault(service, message)

print("levels:", dict(sorted(levels.items())))
for service, n in errors_by_service.most_common():
    print(f"  {service:<8} {n:>3} errors, e.g. {error_samples[service]!r}")

needle = re.search(r"passphrase is ([\w-]+)", context)
print("needle:", needle.group(1) if needle else None, "at", needle.start() if needle else -1)

# Ask a sub-model about each chunk (answered offline by the scripted reply).
size = 50_000
chunks = [context[i:i + size] for i in range(0, len(context), size)]
prompts = [f"Summarise the incidents in this log excerpt:\n{c[:2000]}" for c in chunks]
answers = llm_batch(prompts)
print(f"{len(chunks)} chunks, {len(answers)} sub-answers, first: {answers[0]!r}")

worst = errors_by_service.most_common(1)[0]
FINAL(f"passphrase {needle.group(1)}; {levels['ERROR']} errors, most in {worst[0]} ({worst[1]})")
