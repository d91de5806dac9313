# A few regex passes over the whole context, as models write them.
import re
docs = re.findall(r"Document (\d+): Title", context)
values = [int(v) for v in re.findall(r"value=(\d+)", context)]
labels = {}
for m in re.finditer(r"label: (\w+)", context):
    labels[m.group(1)] = labels.get(m.group(1), 0) + 1
first = re.search(r"Des Moines", context)
born = len(re.findall(r"\bborn\b", context))
print(len(docs), sum(values), labels, first and first.start(), born)
