import re
total = 0
count = 0
for m in re.finditer(r"needle (\d+)", context):
    total += int(m.group(1))
    count += 1
print(count, total)
