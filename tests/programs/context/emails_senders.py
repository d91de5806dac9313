import re
from collections import Counter
senders = re.findall(r"^From: (\S+)", context, re.M)
recips = [r.strip() for line in re.findall(r"^To: (.+)$", context, re.M) for r in line.split(",")]
print(senders)
print(Counter(recips).most_common())
amounts = [int(a.replace(",", "")) for a in re.findall(r"([\d,]+) EUR", context)]
print(amounts, max(amounts))
dates = re.findall(r"^Date: (.+)$", context, re.M)
print(sorted(dates, reverse=True)[0])
