import re
print(re.subn(r"o", "0", "foo boo"))
print(re.subn(r"o", "0", "foo boo", count=1))
print(re.subn(r"z", "0", "foo"))
new, n = re.subn(r"(\d+)", r"<\1>", "1 22 333")
print(new, n)
