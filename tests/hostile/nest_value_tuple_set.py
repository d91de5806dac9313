# expect: nesting
t = ()
for _ in range(100000):
    t = (t, 1)
s = {t}
print("ESCAPED", len(s))
