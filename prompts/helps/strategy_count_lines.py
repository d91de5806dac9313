# Built-in strategy for a counting question, counted by program: the lines
# holding the question's terms inside its dates are the candidates; a
# sub-model only confirms lines whose match is uncertain, a few per batch;
# the program counts.
plan = count_plan(query)
if plan is None:
    print("The built-in count found no word of the question in the context.")
else:
    lines = find_lines(plan["pattern"], since=plan["since"], until=plan["until"])
    if not plan["exact"] and len(lines) <= 200:
        kept = []
        for i in range(0, len(lines), 10):
            batch = lines[i:i + 10]
            replies = llm_batch([f"Question: {query}\n\nLog line: {line}\n\nIs this line one of the things the question counts? Reply yes or no." for line in batch])
            kept += [line for line, reply in zip(batch, replies) if reply.strip().lower().startswith("yes")]
        lines = kept
    print(f"Counted {len(lines)} lines with {', '.join(plan['terms'])} from {plan['since']} to {plan['until']}:")
    for line in lines[:20]:
        print(line)
    FINAL(len(lines))
