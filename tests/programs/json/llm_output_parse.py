import json
import re
reply = 'Sure! Here is the data:\n```json\n{"answer": "42", "confidence": 0.9, "sources": [1, 3]}\n```\nHope it helps.'
m = re.search(r"```json\s*(.*?)\s*```", reply, re.S)
obj = json.loads(m.group(1))
print(obj["answer"], obj["confidence"], obj["sources"])
start = reply.find("{")
end = reply.rfind("}") + 1
print(json.loads(reply[start:end]) == obj)
print(json.dumps(obj, indent=2, sort_keys=True))
