# Turn 2 of an OOLONG most-common question: count every label over all records
# (chunks cut at line boundaries, one JSON count per chunk from the sub-model),
# then pick the label with the highest total.
import json

QUESTION = "Which label is the most common among the instances?"
CHUNK = 100000
BATCH = 64
LABELS = ["abbreviation", "entity", "description", "human", "location", "numeric"]

chunks = ctx.chunk_lines(CHUNK)
print(f"{len(chunks)} chunks of whole lines, up to {CHUNK} characters each")
totals = {label: 0 for label in LABELS}
unparsable = 0
for start in range(0, len(chunks), BATCH):
    prompts = [
        "Each line below is a record whose Instance is a question. Give every instance one "
        + "label from: " + ", ".join(LABELS) + ". Reply with only a JSON object that maps "
        + "each label to its number of instances.\n\nRecords:\n" + chunk
        for chunk in chunks[start:start + BATCH]
    ]
    for reply in llm_batch(prompts):
        try:
            counts = json.loads(reply)
        except ValueError:
            unparsable += 1
            continue
        for label in LABELS:
            totals[label] += int(counts.get(label, 0))
ranked = sorted(LABELS, key=lambda label: totals[label], reverse=True)
print(f"totals: {totals}; unparsable replies: {unparsable}; ranking: {ranked}")
FINAL(ranked[0])
