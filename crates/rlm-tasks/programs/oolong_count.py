# Turn 2 of an OOLONG count question: every record matters, so split the context
# at line boundaries (no record is cut), have the sub-model label every instance of
# each chunk and return counts as JSON, and add the counts up.
import json

QUESTION = "How many instances are labelled 'location'?"
LABEL = "location"
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
print(f"totals: {totals}; unparsable replies: {unparsable}")
FINAL(str(totals[LABEL]))
