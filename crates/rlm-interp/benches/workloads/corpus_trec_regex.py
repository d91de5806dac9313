# From the shared corpus (/work/shared/corpus/trajectories),
# longbench_trec_idx100_2026-02-15T22-06-14-116Z.jsonl, step 2 (JSON line 3,
# depth 0): the model's program, unchanged below this header. It pulls every
# question's type out of LongBench TREC `Question: ... / Type: ...` pairs with
# a lazy DOTALL regex and a lookahead, then counts each distinct type with
# list.count. Context: `corpus_contexts::trec_questions` in bench.rs.
# Let me extract all the unique types from the context
import re

# Find all Type: entries
types = re.findall(r'Type:\s*(.+?)(?=\nQuestion:|$)', context, re.DOTALL)
types = [t.strip() for t in types]

# Get unique types
unique_types = sorted(set(types))
print(f"Total entries: {len(types)}")
print(f"Number of unique types: {len(unique_types)}")
print("\nUnique types:")
for t in unique_types:
    count = types.count(t)
    print(f"  '{t}': {count}")
