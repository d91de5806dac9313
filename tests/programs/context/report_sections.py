import re
parts = re.split(r"\n(?=Section \d+:)", context)
print(len(parts))
for p in parts[1:]:
    title, _, body = p.partition("\n")
    print(f"{title!r}: {len(body.split())} words")
sections = {m.group(1): m.start() for m in re.finditer(r"Section (\d+)", context)}
print(sections)
