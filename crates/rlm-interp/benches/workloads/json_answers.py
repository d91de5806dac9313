import json
lines = context[:400000].splitlines()
answers = []
for i, line in enumerate(lines):
    reply = {"id": i, "answer": line[:80], "confidence": (i % 100) / 100,
             "labels": line.split()[:4], "found": "needle" in line, "source": None}
    answers.append(json.dumps(reply))
found = 0
chars = 0
for a in answers:
    d = json.loads(a)
    chars += len(d["answer"])
    if d["found"]:
        found += 1
report = json.dumps([json.loads(a) for a in answers[:1000]], indent=2, sort_keys=True)
back = json.loads(report)
print(len(answers), found, chars, len(report), back[-1]["id"])
