emails = context.split("\n---\n")
print(len(emails))
for e in emails:
    header, _, body = e.partition("\n\n")
    fields = dict(line.split(": ", 1) for line in header.splitlines())
    print(fields["From"], "|", fields["Subject"], "|", body.strip()[:30])
