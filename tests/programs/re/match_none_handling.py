import re
lines = ["id: 17", "name: x", "id: 42", "junk"]
ids = []
for line in lines:
    m = re.match(r"id: (\d+)", line)
    if m:
        ids.append(int(m.group(1)))
print(ids)
m = re.search(r"nope", "text")
print(m is None, bool(m))
try:
    re.search(r"nope", "text").group()
except AttributeError as e:
    print(type(e).__name__, e)
