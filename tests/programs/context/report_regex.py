import re
money = re.findall(r"\$([\d,]+)", context)
print(money)
values = [int(m.replace(",", "")) for m in money]
print(sum(values[1:]), values[0])
incidents = re.findall(r"(INCIDENT-\d+): (.+?) on (\d{4}-\d{2}-\d{2})", context)
for inc in incidents:
    print(inc)
print(sorted(set(re.findall(r"[\w.]+@[\w.]+\w", context))))
print(re.findall(r"\d+%", context), re.findall(r"\d+-\d+%", context))
