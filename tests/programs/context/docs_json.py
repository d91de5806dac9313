import json
docs = json.loads(context)
print(len(docs), [d["title"] for d in docs])
for d in docs:
    print(d["id"], len(d["body"]), d["body"].split(".")[0])
print(json.dumps(docs[-1], ensure_ascii=False))
print(json.dumps(docs[-1]))
