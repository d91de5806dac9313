# From the shared corpus (/work/shared/corpus/trajectories),
# oolong_real_toy_dnd_idx1_2026-02-15T19-17-50-789Z.jsonl, step 2 (JSON line 3,
# depth 0): the model's program, unchanged below this header. It splits a
# game transcript into lines, lowercases each to look for roll keywords, then
# filters the game master's lines for checks. Context:
# `corpus_contexts::transcript` in bench.rs.
# Let me look at the transcript structure more carefully
# Rolls might be indicated by numbers after character names, or by specific patterns

# Let me search for common roll indicators in the transcript
lines = context.split('\n')

# Look for patterns like "rolls" or dice results
roll_patterns = []
for i, line in enumerate(lines):
    line_lower = line.lower()
    if 'roll' in line_lower or 'd20' in line_lower or 'natural' in line_lower or 'nat ' in line_lower:
        roll_patterns.append((i, line[:200]))

print(f"Found {len(roll_patterns)} lines with roll indicators")
for idx, line in roll_patterns[:50]:
    print(f"Line {idx}: {line}")
# Let me also look at the structure of the transcript around combat or skill checks
# Maybe rolls are shown as just numbers after certain phrases

# Let me look for the GM (Matt) asking for rolls
matt_lines = [line for line in lines if line.startswith('Matt:')]
print(f"Matt has {len(matt_lines)} lines")

# Look for Matt asking for checks or rolls
check_lines = [line for line in matt_lines if any(kw in line.lower() for kw in ['check', 'roll', 'save', 'throw'])]
print(f"Matt lines with check/roll/save: {len(check_lines)}")
for line in check_lines[:20]:
    print(f"  {line[:200]}")
