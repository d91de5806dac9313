# Splits the context into documents and looks into each: its title, whether
# it mentions a needle, where its values start (index/partition/startswith).
docs = context.split("\n\n")
found = []
for d in docs:
    head, _, body = d.partition("\n")
    if head.startswith("Document") and "Des Moines" in body:
        found.append(head)
    k = body.find("value=")
    if k != -1 and body[k + 6:k + 8].isdigit():
        found.append(body[k:k + 10])
print(len(docs), len(found), found[:2])
