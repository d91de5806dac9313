raw = """name: Alice | age: 30 | city: Paris
name: Bob | age: 25 | city: Berlin
name: Chloé | age: 35 | city: Tokyo"""
people = []
for line in raw.splitlines():
    rec = {}
    for field in line.split("|"):
        k, v = field.split(":", 1)
        rec[k.strip()] = v.strip()
    rec["age"] = int(rec["age"])
    people.append(rec)
print(people)
print(sum(p["age"] for p in people) / len(people))
print(", ".join(f"{p['name']} ({p['city']})" for p in sorted(people, key=lambda p: p["age"])))
