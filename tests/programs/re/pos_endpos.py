import re
p = re.compile(r"\d+")
s = "12 abc 345 de 6789"
print(p.search(s, 3).group(), p.match(s, 7).group(), p.findall(s, 0, 10))
print(p.match(s, 3), p.search(s, 3, 8))
print([m.span() for m in p.finditer(s, 5)])
