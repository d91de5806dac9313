import re
para = ("Contact Jane Doe at jane.doe@corp.com or +1-555-0100 before 2024-05-01. "
        "Invoice #A-1043 totals $1,250.75; invoice #B-77 totals $80.00. "
        "Visit https://example.com/docs?id=5 for details.")
print(re.findall(r"[\w.]+@[\w.]+\.\w+", para))
print(re.findall(r"\+\d-\d{3}-\d{4}", para))
print(re.findall(r"\d{4}-\d{2}-\d{2}", para))
invoices = dict(re.findall(r"#([A-Z]-\d+) totals \$([\d,]+\.\d{2})", para))
print(invoices)
print(sum(float(v.replace(",", "")) for v in invoices.values()))
print(re.findall(r"https?://\S+?(?=[\s.]*$|\s)", para))
print(re.findall(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", para))
