import re
log = "2024-01-05 ERROR disk full\n2024-01-06 INFO ok\n2024-01-07 ERROR cpu hot"
pat = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2}) (?P<level>[A-Z]+) (?P<msg>.*)")
for m in pat.finditer(log):
    d = m.groupdict()
    if d["level"] == "ERROR":
        print(d["date"], d["msg"])
print([m.group("level") for m in pat.finditer(log)])
print(re.sub(r"(?P<d>\d+)-(?P<m>\d+)-(?P<y>\d+)", r"\g<y>/\g<m>/\g<d>", "05-01-2024"))
print(re.search(r"(?P<w>o)(?P=w)", "foo boo").span())
