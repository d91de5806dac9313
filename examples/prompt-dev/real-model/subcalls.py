# Issue #57: structured subcalls against a real local model (rlm exec subcalls.py --context ../../corpus/incident_notes.md --model llamacpp:qwen2.5-coder-1.5b) (llama.cpp-style
# json_schema constrained decoding through the OpenAI-compatible adapter).
lines = [l for l in context.split("\n") if l.startswith("2026-")]
schema = {"type": "object", "required": ["date", "service", "resolved"],
          "properties": {"date": {"type": "string"}, "service": {"type": "string"},
                         "resolved": {"type": "boolean"}}}
rows = llm_batch(["Read this incident note and give its date, the service affected, and whether it was resolved.\nNote: " + l for l in lines], schema=schema)
for r in rows:
    print(type(r).__name__, r)
years = llm_query("Which dates appear in these notes? Give them as a list of strings.\n" + context, schema={"type": "array", "items": {"type": "string"}})
print(type(years).__name__, years)
