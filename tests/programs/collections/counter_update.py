from collections import Counter
c = Counter(a=3, b=1)
c.update("aab")
print(c)
c.update({"b": 5, "z": 1})
print(c)
c.subtract({"a": 10})
print(c)
c.subtract("z")
print(c)
c["new"] += 2
print(c, c.total())
del c["b"]
print(c, +c, -c)
