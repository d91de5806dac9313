# expect: fuel
# Membership of a tuple of long strings in a set: hashing reads them all.
t = ("a" * 100000, "b" * 100000)
s = {t}
n = 0
while True:
    if t in s:
        n += 1
