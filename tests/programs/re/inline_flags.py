import re
print(re.findall(r"(?i)abc", "ABC abc AbC"))
print(re.findall(r"(?m)^\d", "1a\n2b\nc3"))
print(re.findall(r"(?s)<.+?>", "<a\nb><c>"))
print(re.search(r"(?i:x)Y", "xY XY xy"))
