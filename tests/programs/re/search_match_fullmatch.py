import re
s = "Order 66 shipped on 2024-03-15 to Bob"
m = re.search(r"\d{4}-\d{2}-\d{2}", s)
print(m.group(), m.start(), m.end(), m.span())
print(re.match(r"Order", s) is not None, re.match(r"\d+", s))
print(re.fullmatch(r"\w+", "abc_123") is not None, re.fullmatch(r"\w+", "abc def"))
print(re.search(r"zzz", s), bool(re.search("ship", s)))
m2 = re.match(r"(\w+) (\d+)", s)
print(m2.group(0), m2.group(1), m2.group(2), m2.group(1, 2), m2.groups())
print(m2[0], m2[1], m2.lastindex)
