lines = context.strip().split("\n")
header = lines[0].split(",")
rows = [dict(zip(header, line.split(","))) for line in lines[1:]]
print(header, len(rows))
print(rows[0])
for r in rows:
    r["price"] = float(r["price"])
    r["qty"] = int(r["qty"])
print(max(rows, key=lambda r: r["price"])["name"])
print(sorted(r["name"] for r in rows if r["qty"] >= 10))
