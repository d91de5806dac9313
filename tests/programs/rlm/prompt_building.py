question = "Which invoices are overdue?"
docs = [{"id": 3, "text": "Invoice 3 due 2024-01-01"}, {"id": 9, "text": "Invoice 9 due 2025-01-01"}]
header = f"You are a careful analyst. Answer: {question}"
blocks = [f"[doc {d['id']}]\n{d['text']}" for d in docs]
prompt = header + "\n\n" + "\n\n".join(blocks) + "\n\nAnswer in one line."
print(prompt)
print(len(prompt), prompt.count("[doc"))
template = "Q: {q}\nContext ({n} docs):\n{ctx}"
print(template.format(q=question, n=len(docs), ctx="; ".join(d["text"] for d in docs)))
