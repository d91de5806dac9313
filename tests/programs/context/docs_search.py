import json
import re
docs = json.loads(context)
query = "birds"
hits = [d["id"] for d in docs if re.search(rf"\b{re.escape(query)}\b", d["body"], re.I)]
print(hits)
index = {}
for d in docs:
    for w in set(re.findall(r"[a-z]+", d["body"].lower())):
        index.setdefault(w, []).append(d["id"])
print(sorted((w, ids) for w, ids in index.items() if len(w) > 4))
print(len(index))
